#include "runlog/Smoothing.h"

#include <algorithm>
#include <cmath>

namespace hdr::runlog {

std::vector<double> smoothDebiasedEma(std::span<const double> values, double weight)
{
    const double w = std::isnan(weight) ? 0.0 : std::clamp(weight, 0.0, 1.0);
    std::vector<double> out(values.size());
    double last = 0;
    int finiteCount = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (!std::isfinite(v)) {
            out[i] = v;
            continue;
        }
        last = last * w + (1 - w) * v;
        ++finiteCount;
        const double debias = w == 1.0 ? 1.0 : 1.0 - std::pow(w, finiteCount);
        out[i] = last / debias;
    }
    return out;
}

} // namespace hdr::runlog
