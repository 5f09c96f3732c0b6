#include "itm/LdrSynthesis.h"

#include "common/JobContext.h"
#include "image/TransferFunction.h"
#include "stacks/SyntheticBrackets.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace hdr::itm {

namespace {

float luminancePercentile(const core::ImageF& image, double p)
{
    std::vector<float> lum;
    lum.reserve(std::size_t(image.pixelCount()));
    const int c = image.channels();
    const float* px = image.data();
    for (std::int64_t i = 0; i < image.pixelCount(); ++i, px += c) {
        const float y = 0.2126f * px[0] + 0.7152f * px[1] + 0.0722f * px[2];
        if (std::isfinite(y) && y > 0) {
            lum.push_back(y);
        }
    }
    if (lum.empty()) {
        return 1.0f;
    }
    const auto k = std::size_t(std::clamp(p, 0.0, 1.0) * double(lum.size() - 1));
    std::nth_element(lum.begin(), lum.begin() + std::ptrdiff_t(k), lum.end());
    return lum[k];
}

} // namespace

core::Result<SynthesisedPair>
synthesisePair(const core::ImageF& input, std::uint64_t seed, CameraCurves curves)
{
    return core::guarded(core::ErrorCode::InvalidArgument, "synthesised pair", [&] {
        core::ImageF scene = core::withChannels(input, 3);
        // Non-finite and negative samples (out-of-gamut colours, damaged files) would poison the
        // losses; scenes are light, so they become 0.
        for (std::int64_t i = 0; i < scene.pixelCount() * 3; ++i) {
            float& v = scene.data()[i];
            v = std::isfinite(v) && v > 0 ? v : 0.0f;
        }
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        const double percentile = 0.90 + 0.095 * unit(rng);
        const double headroom = 0.15 * unit(rng);
        const float anchor = std::max(luminancePercentile(scene, percentile), 1e-6f);

        core::BracketParams params;
        const double curvePick = unit(rng);
        params.response = curves == CameraCurves::SrgbOnly ? core::ResponseCurve::Srgb
                          : curvePick < 0.4                ? core::ResponseCurve::Srgb
                          : curvePick < 0.7                ? core::ResponseCurve::Gamma
                                                           : core::ResponseCurve::Film;
        params.gamma = float(1.8 + 0.8 * unit(rng));
        // Exposure puts the anchor at the sensor value whose code is 1 − headroom.
        const double targetCode = 1.0 - headroom;
        double lo = 0, hi = 1; // invert the monotone response by bisection
        for (int k = 0; k < 40; ++k) {
            const double mid = 0.5 * (lo + hi);
            (core::applyResponse(params, float(mid)) < targetCode ? lo : hi) = mid;
        }
        const double sensor = 0.5 * (lo + hi);
        const float ev = float(std::log2(std::max(sensor, 1e-6) / anchor));
        params.evs = {ev};
        params.jpegQuality = unit(rng) < 0.5 ? 0 : 70 + int(unit(rng) * 25.0);
        params.seed = seed;

        auto frames = core::unwrap(core::synthesizeBrackets(scene, params, core::nullJobContext()));
        SynthesisedPair pair;
        pair.ev = ev;
        pair.ldrLinear = std::move(frames.front().signal);
        for (std::int64_t i = 0; i < pair.ldrLinear.pixelCount() * pair.ldrLinear.channels(); ++i) {
            pair.ldrLinear.data()[i] = core::srgbDecode(std::clamp(pair.ldrLinear.data()[i], 0.0f, 1.0f));
        }
        pair.ldrLinear = core::withChannels(pair.ldrLinear, 3);
        pair.hdr = scene;
        core::applyExposure(pair.hdr, ev);
        pair.recipe = std::string(core::nameOf(params.response)) + " ev=" + std::to_string(ev) +
                      " jpeg=" + std::to_string(params.jpegQuality);
        return pair;
    });
}

core::ImageF inverseGammaExpansion(const core::ImageF& ldrLinear)
{
    return core::withChannels(ldrLinear, 3);
}

} // namespace hdr::itm
