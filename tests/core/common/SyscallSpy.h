#pragma once
// Test-only observation of the file system calls AtomicOutputFile and OutputSet make. Linking
// SyscallSpy.cpp into a test executable interposes fsync() and renameat2(): the static core
// libraries' calls bind to these definitions, which record the call (with the path of the file
// or folder, read back from /proc/self/fd) and then call the C library's own function. Nothing
// in the product changes; the test sees what actually reaches the kernel.
#include <string>
#include <vector>

namespace hdr::test::spy {

struct Call {
    std::string name; // "fsync" or "rename"
    std::string path; // fsync: the file or folder synced; rename: the target
    std::string from; // rename: the source
};

// Calls recorded since the last clear().
std::vector<Call> calls();
void clear();

// From now on, the n-th renameat2() (1 = the next one) ends the process with _exit(0) before
// renaming: a crash in the middle of a commit. For forked children only.
void exitBeforeRename(int n);

} // namespace hdr::test::spy
