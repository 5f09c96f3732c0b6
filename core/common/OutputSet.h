#pragma once
// Several output files of one job written as one: all of them or none. Each file is staged next
// to its final path (an AtomicOutputFile's hidden temporary, same filesystem); commit() then moves
// them into place one after the other. Until commit nothing a user sees changes: a cancelled or
// failed job (or one whose later file turns out to exist already) leaves no new file and every old
// one untouched, because the staged files are removed when the set is destroyed uncommitted.
//
// commit() itself is all or none as far as the filesystem allows: when moving file k into place
// fails, files 0..k-1 are moved back out (a new one is removed; an old one it replaced is
// restored from a hard link taken just before, ".<name>.bak-<pid>-<n>"). With overwrite every
// rename replaces its old file atomically, so even a process killed in the middle of commit() (or
// a filesystem without hard links, where no old file can be restored) leaves every path with
// either its old or its new file, never neither; leftover links are removed later like any stale
// temporary (removeStaleTemporaryFiles).
//
// Stage everything first, then write: a path that exists already (without overwrite) is then
// refused before any work is spent.
//
//   OutputSet out(overwrite);
//   auto exr = out.stage(dir / "a.exr");         // error: exists (without overwrite), bad folder
//   auto png = out.stage(dir / "a.png");
//   writeImage(image, *exr, {.format = Exr, .overwrite = true}); // the staged file is ours to
//   ...                                           // replace; name the format (the staged name
//   if (job.isCancelled()) return;                // has no meaningful extension); the destructor
//   out.commit();                                 // removes what was staged
#include "common/AtomicFile.h"
#include "common/Error.h"

#include <filesystem>
#include <vector>

namespace hdr::core {

class OutputSet {
public:
    explicit OutputSet(bool overwrite)
        : m_overwrite(overwrite)
    {
    }

    // The path to write `finalPath`'s content to (it exists, empty, mode 0600). Fails
    // (AlreadyExists) when the final file exists and overwrite is off, or (InvalidArgument) when
    // the same path is staged twice.
    Result<std::filesystem::path> stage(const std::filesystem::path& finalPath);
    // Moves every staged file into place, or none (see above). After a failed commit the set is
    // spent: nothing more can be staged or committed.
    Status commit();

    const std::vector<std::filesystem::path>& finalPaths() const { return m_finalPaths; }
    bool committed() const { return m_state == State::Committed; }

private:
    enum class State { Staging, Committed, Failed };
    struct Previous {
        bool existed = false;
        std::filesystem::path backup; // hard link to the old file; empty when none could be made
    };
    void rollBack(std::size_t committedCount, const std::vector<Previous>& previous) noexcept;

    bool m_overwrite = false;
    State m_state = State::Staging;
    std::vector<AtomicOutputFile> m_files;
    std::vector<std::filesystem::path> m_finalPaths;
};

} // namespace hdr::core
