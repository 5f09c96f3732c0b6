#pragma once
// Timing and peer-process helpers shared by the `bench` sections.
#include <functional>
#include <string>

namespace hdr::cli {

double monotonicSeconds();                                   // steady clock, for start/stop pairs
double secondsOf(const std::function<void()>& fn);           // wall time of one call
double bestOf(int repeat, const std::function<void()>& fn);  // best of `repeat` calls
std::string runCapture(const std::string& cmd, int* status); // popen: stdout text and exit status
std::string shellQuoted(const std::string& s);               // '...' for paths in shell commands

} // namespace hdr::cli
