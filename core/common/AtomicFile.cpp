#include "common/AtomicFile.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <unistd.h>

namespace hdr::core {
namespace fs = std::filesystem;

namespace {
std::atomic<unsigned> g_tempCounter{0};

fs::path makeTempPath(const fs::path& finalPath)
{
    const std::string name = "." + finalPath.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                             "-" + std::to_string(g_tempCounter.fetch_add(1));
    return finalPath.parent_path() / name;
}

std::string errnoText(int err)
{
    return std::strerror(err);
}
} // namespace

Result<AtomicOutputFile> AtomicOutputFile::create(const fs::path& finalPath, bool overwrite)
{
    if (finalPath.empty() || finalPath.filename().empty()) {
        return fail(ErrorCode::InvalidArgument, "output path has no file name", finalPath.string());
    }
    std::error_code ec;
    const fs::path dir = finalPath.has_parent_path() ? finalPath.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec)) {
        return fail(ErrorCode::IoError, "the output folder does not exist", dir.string());
    }
    if (!overwrite && fs::exists(finalPath, ec)) {
        return fail(ErrorCode::AlreadyExists,
                    "output file already exists (pass --overwrite to replace it)",
                    finalPath.string());
    }
    return AtomicOutputFile(
        finalPath, makeTempPath(finalPath.has_parent_path() ? finalPath : "." / finalPath), overwrite);
}

AtomicOutputFile::AtomicOutputFile(fs::path finalPath, fs::path tempPath, bool overwrite)
    : m_final(std::move(finalPath))
    , m_temp(std::move(tempPath))
    , m_overwrite(overwrite)
{
}

AtomicOutputFile::AtomicOutputFile(AtomicOutputFile&& other) noexcept
    : m_final(std::move(other.m_final))
    , m_temp(std::move(other.m_temp))
    , m_overwrite(other.m_overwrite)
    , m_committed(other.m_committed)
{
    other.m_committed = true; // the moved-from object owns nothing
}

AtomicOutputFile& AtomicOutputFile::operator=(AtomicOutputFile&& other) noexcept
{
    if (this != &other) {
        discard();
        m_final = std::move(other.m_final);
        m_temp = std::move(other.m_temp);
        m_overwrite = other.m_overwrite;
        m_committed = other.m_committed;
        other.m_committed = true;
    }
    return *this;
}

AtomicOutputFile::~AtomicOutputFile()
{
    discard();
}

void AtomicOutputFile::discard() noexcept
{
    if (!m_committed && !m_temp.empty()) {
        std::error_code ec;
        fs::remove(m_temp, ec);
    }
}

Status AtomicOutputFile::commit()
{
    if (m_committed) {
        return fail(ErrorCode::Internal, "output committed twice", m_final.string());
    }
    const int fd = ::open(m_temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fail(ErrorCode::IoError,
                    "the temporary output file was not written: " + errnoText(errno),
                    m_temp.string());
    }
    ::fsync(fd);
    ::close(fd);

    const unsigned flags = m_overwrite ? 0u : RENAME_NOREPLACE;
    if (::renameat2(AT_FDCWD, m_temp.c_str(), AT_FDCWD, m_final.c_str(), flags) != 0) {
        const int err = errno;
        if (err == EEXIST) {
            return fail(ErrorCode::AlreadyExists,
                        "output file appeared while writing; not replaced",
                        m_final.string());
        }
        if (err == EINVAL && !m_overwrite) {
            // Filesystem without RENAME_NOREPLACE: link() also refuses to replace.
            if (::link(m_temp.c_str(), m_final.c_str()) == 0) {
                ::unlink(m_temp.c_str());
                m_committed = true;
                return {};
            }
        }
        return fail(ErrorCode::IoError,
                    "could not move the finished file into place: " + errnoText(err),
                    m_final.string());
    }
    m_committed = true;
    return {};
}

Status writeFileAtomically(const fs::path& path, std::span<const std::byte> bytes, bool overwrite)
{
    auto out = AtomicOutputFile::create(path, overwrite);
    if (!out) {
        return tl::unexpected(out.error());
    }
    {
        std::ofstream f(out->tempPath(), std::ios::binary | std::ios::trunc);
        if (!f) {
            return fail(ErrorCode::IoError, "cannot create the output file", path.string());
        }
        f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        f.flush();
        if (!f) {
            return fail(ErrorCode::IoError, "writing the output file failed (disk full?)", path.string());
        }
    }
    return out->commit();
}

Result<std::vector<std::byte>> readFileBytes(const fs::path& path, std::size_t maxBytes)
{
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
        return fail(ErrorCode::IoError, "cannot open the file: " + ec.message(), path.string());
    }
    if (size > maxBytes) {
        return fail(ErrorCode::LimitExceeded,
                    "file is larger than the " + std::to_string(maxBytes >> 20) + " MiB this reader accepts",
                    path.string());
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        return fail(ErrorCode::IoError, "cannot open the file", path.string());
    }
    std::vector<std::byte> bytes(size);
    f.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
    if (std::size_t(f.gcount()) != size) {
        return fail(ErrorCode::IoError, "the file could not be read completely", path.string());
    }
    return bytes;
}

} // namespace hdr::core
