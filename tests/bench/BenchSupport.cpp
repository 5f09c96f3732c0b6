#include "BenchSupport.h"

#include "common/OpenBlasKernels.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>

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

RunStats timeRuns(int repeat, const std::function<void()>& fn)
{
    RunStats stats;
    for (int i = 0; i < std::max(1, repeat); ++i) {
        stats.all.push_back(secondsOf(fn));
    }
    std::vector<double> sorted = stats.all;
    std::sort(sorted.begin(), sorted.end());
    stats.best = sorted.front();
    const std::size_t n = sorted.size();
    stats.median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    return stats;
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

nlohmann::json runPeerJson(const std::string& cmd, std::string* failure)
{
    int status = 0;
    const std::string output = runCapture(cmd + " 2>&1", &status);
    std::size_t end = output.size();
    while (end > 0) {
        const std::size_t begin = output.rfind('\n', end - 1);
        const std::size_t from = begin == std::string::npos ? 0 : begin + 1;
        if (output.compare(from, 1, "{") == 0) {
            auto parsed = nlohmann::json::parse(output.substr(from, end - from), nullptr, false);
            if (!parsed.is_discarded() && parsed.is_object()) {
                return parsed;
            }
        }
        if (begin == std::string::npos) {
            break;
        }
        end = begin;
    }
    if (failure) {
        *failure = "exit status " + std::to_string(status) + ": " +
                   (output.size() > 600 ? "..." + output.substr(output.size() - 600) : output);
    }
    return nullptr;
}

namespace {

double statusFieldGb(const char* key)
{
    std::ifstream status("/proc/self/status");
    const std::string prefix = std::string(key) + ":";
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(prefix, 0) == 0) {
            return std::stod(line.substr(prefix.size())) / (1024.0 * 1024.0); // kB
        }
    }
    return std::numeric_limits<double>::quiet_NaN();
}

} // namespace

void resetPeakRss()
{
    std::ofstream("/proc/self/clear_refs") << "5";
}

double currentRssGb()
{
    return statusFieldGb("VmRSS");
}

double peakRssGb()
{
    return statusFieldGb("VmHWM");
}

std::filesystem::path selfExecutable()
{
    std::error_code ec;
    return std::filesystem::read_symlink("/proc/self/exe", ec);
}

std::string loadAverage()
{
    std::ifstream f("/proc/loadavg");
    std::string one, five, fifteen;
    f >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

std::string cpuModel()
{
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
            return line.substr(line.find(':') + 2);
        }
    }
    return "unknown CPU";
}

std::string blasKernels()
{
    const std::string core = core::loadedOpenBlasCoreName();
    if (core.empty()) {
        return "not OpenBLAS (or not loaded yet)";
    }
    const char* forced = std::getenv("OPENBLAS_CORETYPE");
    return "OpenBLAS " + core + " kernels" +
           (forced && *forced ? std::string(" (OPENBLAS_CORETYPE=") + forced + ")"
                              : std::string(" (its own choice)"));
}

double ratioOf(double peer, double ours)
{
    return peer > 0 && ours > 0 ? peer / ours : std::numeric_limits<double>::quiet_NaN();
}

std::string fixed(double value, int decimals)
{
    if (!std::isfinite(value)) {
        return "-";
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

TextTable::TextTable(std::vector<std::string> header)
{
    m_rows.push_back(std::move(header));
}

void TextTable::addRow(std::vector<std::string> cells)
{
    cells.resize(m_rows.front().size());
    m_rows.push_back(std::move(cells));
}

void TextTable::print(std::FILE* out) const
{
    std::vector<std::size_t> widths(m_rows.front().size(), 0);
    for (const auto& row : m_rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            widths[c] = std::max(widths[c], row[c].size());
        }
    }
    for (const auto& row : m_rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string pad(widths[c] - row[c].size(), ' ');
            line += c == 0 ? row[c] + pad : "  " + pad + row[c];
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        std::fprintf(out, "%s\n", line.c_str());
    }
}

} // namespace hdr::cli
