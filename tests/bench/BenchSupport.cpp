#include "BenchSupport.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace hdr::cli {

double monotonicSeconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double secondsOf(const std::function<void()>& fn)
{
    const double t0 = monotonicSeconds();
    fn();
    return monotonicSeconds() - t0;
}

double bestOf(int repeat, const std::function<void()>& fn)
{
    double best = 1e30;
    for (int i = 0; i < repeat; ++i) {
        best = std::min(best, secondsOf(fn));
    }
    return best;
}

std::string runCapture(const std::string& cmd, int* status)
{
    std::string text;
    if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
        char buf[4096];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) {
            text.append(buf, n);
        }
        *status = ::pclose(pipe);
    } else {
        *status = -1;
    }
    return text;
}

std::string shellQuoted(const std::string& s)
{
    return "'" + s + "'";
}

} // namespace hdr::cli
