#include "common/OutputSet.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace hdr::core {
namespace fs = std::filesystem;

namespace {
// Same file for the duplicate check, whatever the spelling ("a/./b.png", "a/b.png").
fs::path comparable(const fs::path& p)
{
    std::error_code ec;
    const fs::path absolute = fs::absolute(p, ec);
    return (ec ? p : absolute).lexically_normal();
}

// A hard link to the file at `path` under a fresh backup name, or empty when there is no file
// or the filesystem cannot link (then the old file cannot be restored after a failed commit).
fs::path linkBackup(const fs::path& path)
{
    for (int attempt = 0; attempt < 16; ++attempt) {
        fs::path backup = temporarySiblingPath(path, "bak");
        if (::link(path.c_str(), backup.c_str()) == 0) {
            return backup;
        }
        if (errno != EEXIST) {
            return {};
        }
    }
    return {};
}
} // namespace

Result<fs::path> OutputSet::stage(const fs::path& finalPath)
{
    if (m_state != State::Staging) {
        return fail(ErrorCode::Internal,
                    "the output set was already committed or failed to commit",
                    finalPath.string());
    }
    const fs::path key = comparable(finalPath);
    if (std::any_of(m_finalPaths.begin(), m_finalPaths.end(), [&](const fs::path& p) {
            return comparable(p) == key;
        })) {
        return fail(
            ErrorCode::InvalidArgument, "the job would write the same file twice", finalPath.string());
    }
    auto file = AtomicOutputFile::create(finalPath, m_overwrite);
    if (!file) {
        if (file.error().code == ErrorCode::AlreadyExists) {
            return fail(ErrorCode::AlreadyExists,
                        "an output of this job exists already; nothing was written (pass --overwrite to "
                        "replace it)",
                        finalPath.string());
        }
        return tl::unexpected(file.error());
    }
    fs::path temp = file->tempPath();
    m_files.push_back(std::move(*file));
    m_finalPaths.push_back(finalPath);
    return temp;
}

Status OutputSet::commit()
{
    if (m_state != State::Staging) {
        return fail(ErrorCode::Internal, "the output set was already committed or failed to commit");
    }
    // What each final path holds before anything moves: nothing, or an old file (linked to a
    // backup name when the filesystem allows).
    std::vector<Previous> previous(m_files.size());
    for (std::size_t i = 0; i < m_files.size(); ++i) {
        std::error_code ec;
        previous[i].existed = fs::exists(fs::symlink_status(m_finalPaths[i], ec));
        if (previous[i].existed && m_overwrite) {
            previous[i].backup = linkBackup(m_finalPaths[i]);
        }
    }
    for (std::size_t i = 0; i < m_files.size(); ++i) {
        if (auto ok = m_files[i].commit(); !ok) {
            rollBack(i, previous);
            m_files.clear(); // removes the staged files not yet moved
            m_state = State::Failed;
            Error error = ok.error();
            error.message += "; none of this job's files were written";
            return tl::unexpected(error);
        }
    }
    for (const Previous& p : previous) {
        if (!p.backup.empty()) {
            ::unlink(p.backup.c_str());
        }
    }
    m_state = State::Committed;
    return {};
}

void OutputSet::rollBack(std::size_t committedCount, const std::vector<Previous>& previous) noexcept
{
    for (std::size_t i = 0; i < committedCount; ++i) {
        const fs::path& final = m_finalPaths[i];
        if (!previous[i].backup.empty()) {
            // The old file back in one step: the path never lacks a file.
            if (std::rename(previous[i].backup.c_str(), final.c_str()) != 0) {
                ::unlink(previous[i].backup.c_str()); // the new file stays: still not neither
            }
        } else if (!previous[i].existed) {
            ::unlink(final.c_str()); // nothing was there before this job
        }
        // An old file without a backup (no hard links here): the new file stays rather than none.
        syncParentFolder(final);
    }
    for (std::size_t i = committedCount; i < previous.size(); ++i) {
        if (!previous[i].backup.empty()) {
            ::unlink(previous[i].backup.c_str());
        }
    }
}

} // namespace hdr::core
