#include "SyscallSpy.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <dlfcn.h>
#include <limits.h>
#include <mutex>
#include <unistd.h>

namespace hdr::test::spy {
namespace {
std::mutex g_mutex;
std::vector<Call> g_calls;
std::atomic<int> g_exitCountdown{0};

std::string pathOfDescriptor(int fd)
{
    std::array<char, PATH_MAX> buffer{};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), buffer.data(), buffer.size() - 1);
    return n > 0 ? std::string(buffer.data(), std::size_t(n)) : std::string();
}

void record(Call call)
{
    const std::lock_guard lock(g_mutex);
    g_calls.push_back(std::move(call));
}

template <typename Fn> Fn next(const char* name)
{
    return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}
} // namespace

std::vector<Call> calls()
{
    const std::lock_guard lock(g_mutex);
    return g_calls;
}

void clear()
{
    const std::lock_guard lock(g_mutex);
    g_calls.clear();
}

void exitBeforeRename(int n)
{
    g_exitCountdown = n;
}

} // namespace hdr::test::spy

using namespace hdr::test::spy;

extern "C" int fsync(int fd)
{
    record({"fsync", pathOfDescriptor(fd), {}});
    static const auto real = next<int (*)(int)>("fsync");
    return real(fd);
}

extern "C" int
renameat2(int fromDir, const char* from, int toDir, const char* to, unsigned int flags) noexcept
{
    if (g_exitCountdown > 0 && --g_exitCountdown == 0) {
        ::_exit(0);
    }
    record({"rename", to, from});
    static const auto real = next<int (*)(int, const char*, int, const char*, unsigned int)>("renameat2");
    return real(fromDir, from, toDir, to, flags);
}
