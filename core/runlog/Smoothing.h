#pragma once

#include <span>
#include <vector>

namespace hdr::runlog {

// TensorBoard's scalar smoothing (tensorboard components/vz_line_chart2/line-chart.ts,
// resmoothDataset): a first-order IIR low-pass filter started at 0 and de-biased,
//     last_n = last_{n-1} * w + (1 - w) * v_n        (last_0 = 0)
//     out_n  = last_n / (1 - w^k)                     (k = finite values seen so far, 1 <= k <= n)
// Non-finite values (NaN, ±inf) pass through unchanged and neither advance the filter nor count in
// k, as TensorBoard does, so one diverged step shows as a gap in the smoothed curve instead of
// poisoning every point after it. w = 1 is TensorBoard's degenerate case (no de-biasing, the
// output stays 0); w is clamped to [0, 1], and w = 0 returns the values unchanged.
std::vector<double> smoothDebiasedEma(std::span<const double> values, double weight);

} // namespace hdr::runlog
