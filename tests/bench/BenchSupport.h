#pragma once
// Timing, peer-process, memory and table helpers shared by the `bench` sections.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace hdr::cli {

double monotonicSeconds();                                   // steady clock, for start/stop pairs
double secondsOf(const std::function<void()>& fn);           // wall time of one call
double bestOf(int repeat, const std::function<void()>& fn);  // best of `repeat` calls
std::string runCapture(const std::string& cmd, int* status); // popen: stdout text and exit status
std::string shellQuoted(const std::string& s);               // '...' for paths in shell commands

// Best and median of `repeat` timed calls (seconds).
struct RunStats {
    double best = 0;
    double median = 0;
    std::vector<double> all;
};
RunStats timeRuns(int repeat, const std::function<void()>& fn);

// Runs a peer (stdout and stderr together) and parses the last line of its output that is a JSON
// object. On failure returns null and, when `failure` is given, says why (exit status and the end
// of the output).
nlohmann::json runPeerJson(const std::string& cmd, std::string* failure = nullptr);

// Linux /proc/self: resident memory now and its peak since the last reset, in GB.
// resetPeakRss() sets the peak (VmHWM) back to the current RSS, so a later peak is a pass's own.
void resetPeakRss();
double currentRssGb();
double peakRssGb();

std::filesystem::path selfExecutable(); // /proc/self/exe
std::string loadAverage();              // "1.02 0.85 0.60" from /proc/loadavg
std::string cpuModel();                 // /proc/cpuinfo "model name"
// "OpenBLAS SkylakeX kernels (OPENBLAS_CORETYPE=SKYLAKEX)": which BLAS kernels this run (and the
// peers, which inherit the environment) multiplies with; common/OpenBlasKernels.h says why.
std::string blasKernels();

// Missing figures are NaN: ratioOf(peer, ours) = peer / ours (> 1: we are faster), NaN when either
// is missing or not positive; fixed() prints NaN as "-".
double ratioOf(double peer, double ours);
std::string fixed(double value, int decimals);

// A plain-text table: column widths from the contents, the first column left-aligned, the others
// right-aligned.
class TextTable {
public:
    explicit TextTable(std::vector<std::string> header);
    void addRow(std::vector<std::string> cells);
    void print(std::FILE* out = stdout) const;

private:
    std::vector<std::vector<std::string>> m_rows; // the header first
};

} // namespace hdr::cli
