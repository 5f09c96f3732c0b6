#include "bracketed/BracketSettings.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace hdr::diffusion {

using core::ErrorCode;

const char* nameOf(BracketStrategy strategy)
{
    return strategy == BracketStrategy::Reference ? "reference" : "calibrated";
}

std::optional<BracketStrategy> bracketStrategyFromName(const std::string& name)
{
    if (name == "reference") {
        return BracketStrategy::Reference;
    }
    if (name == "calibrated") {
        return BracketStrategy::Calibrated;
    }
    return std::nullopt;
}

std::vector<double> evenBracketEvs(int count, double exposureStep)
{
    std::vector<double> evs;
    for (int i = 0; i < count; ++i) {
        evs.push_back(exposureStep * (double(i) - double(count - 1) / 2.0));
    }
    return evs;
}

core::Result<std::vector<double>> parseBracketSpec(const std::string& spec, double exposureStep)
{
    const auto bad = [&](const std::string& why) {
        return core::fail(ErrorCode::InvalidArgument,
                          "--brackets '" + spec + "': " + why +
                              " (give a count such as 3, 5 or 7, or EVs such as -2,0,2)");
    };
    if (!(exposureStep > 0.0) || exposureStep > 8.0) {
        return core::fail(ErrorCode::InvalidArgument, "--exp must be in (0, 8] stops");
    }
    if (spec.find(',') == std::string::npos) {
        std::size_t used = 0;
        int count = 0;
        try {
            count = std::stoi(spec, &used);
        } catch (const std::exception&) {
            return bad("not a number");
        }
        if (used != spec.size() || count < 2 || count > 15) {
            return bad("the count must be 2..15");
        }
        return evenBracketEvs(count, exposureStep);
    }
    std::vector<double> evs;
    std::stringstream in(spec);
    std::string item;
    while (std::getline(in, item, ',')) {
        std::size_t used = 0;
        double ev = 0.0;
        try {
            ev = std::stod(item, &used);
        } catch (const std::exception&) {
            return bad("'" + item + "' is not a number");
        }
        if (used != item.size() || !std::isfinite(ev) || std::abs(ev) > 10.0) {
            return bad("'" + item + "' is not an EV in [-10, 10]");
        }
        evs.push_back(ev);
    }
    std::sort(evs.begin(), evs.end());
    if (evs.size() < 2 || evs.size() > 15 || std::adjacent_find(evs.begin(), evs.end()) != evs.end()) {
        return bad("2..15 different EVs are needed");
    }
    return evs;
}

} // namespace hdr::diffusion
