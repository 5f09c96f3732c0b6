#include "runlog/RunData.h"

#include <algorithm>

namespace hdr::runlog {

namespace {
constexpr std::size_t kMaxKeptProblems = 200;
}

std::set<std::string> RunSnapshot::apply(RunUpdate update)
{
    std::set<std::string> changed = update.resetSeries;
    for (const std::string& series : update.resetSeries) {
        scalars[series].clear();
    }
    for (auto& [series, points] : update.scalars) {
        if (points.empty()) {
            continue;
        }
        changed.insert(series);
        auto& target = scalars[series];
        for (Point& point : points) {
            if (target.empty() || target.back().step <= point.step) {
                target.push_back(point);
            } else {
                // Out of order (a resumed run logging an epoch again): keep the series sorted by
                // step, after the points of the same step already there.
                const auto at = std::upper_bound(target.begin(),
                                                 target.end(),
                                                 point.step,
                                                 [](std::int64_t s, const Point& p) { return s < p.step; });
                target.insert(at, point);
            }
        }
    }
    for (const std::string& series : update.resetImageSeries) {
        images.erase(series);
    }
    for (ImageRef& image : update.images) {
        auto& bySteps = images[image.series];
        const std::int64_t step = image.step;
        bySteps.insert_or_assign(step, std::move(image));
    }
    if (update.checkpoints) {
        checkpoints = std::move(*update.checkpoints);
    }
    if (update.checkpointIndex) {
        checkpointIndex = std::move(*update.checkpointIndex);
    }
    if (update.config) {
        config = std::move(*update.config);
    }
    for (auto& problem : update.problems) {
        problems.push_back(std::move(problem));
    }
    if (problems.size() > kMaxKeptProblems) {
        problems.erase(problems.begin(), problems.end() - std::ptrdiff_t(kMaxKeptProblems));
    }
    return changed;
}

const ImageRef* RunSnapshot::imageAtOrBefore(const std::string& series, std::int64_t step) const
{
    const auto found = images.find(series);
    if (found == images.end()) {
        return nullptr;
    }
    auto it = found->second.upper_bound(step);
    if (it == found->second.begin()) {
        return nullptr;
    }
    --it;
    return &it->second;
}

} // namespace hdr::runlog
