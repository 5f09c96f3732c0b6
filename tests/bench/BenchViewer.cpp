#include "BenchViewer.h"

#include "BenchSupport.h"
#ifdef HDR_WITH_VIEWER_GL
#include "BenchViewerGl.h"
#endif
#include "color/Ocio.h"
#include "common/Parallel.h"
#include "display/DisplayLut.h"
#include "display/LutDisplayTransform.h"
#include "display/ViewportRenderer.h"
#include "image/DemoScene.h"
#include "io/ImageIO.h"
#include "tonemap/ToneMap.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace hdr::cli {
namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

int maxCodeDifference(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b)
{
    int worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        for (int shift : {16, 8, 0}) {
            worst = std::max(worst, std::abs(int((a[i] >> shift) & 0xff) - int((b[i] >> shift) & 0xff)));
        }
    }
    return worst;
}

struct Case {
    const char* name;
    int width, height;
    bool fit;
    const char* view;
    core::ToneMapOperator op;
};

} // namespace

int benchViewer(const Args& args, int repeat)
{
    std::shared_ptr<const core::ImageF> image;
    if (auto f = args.value("file")) {
        auto r = core::readImage(*f);
        if (!r) {
            return reportError(r.error());
        }
        image = std::make_shared<const core::ImageF>(std::move(*r));
    } else {
        image = std::make_shared<const core::ImageF>(core::renderDemoScene(3840, 2160));
    }
    std::shared_ptr<const core::OcioConfig> ocio;
    if (auto config = core::OcioConfig::loadDefault()) {
        ocio = *config;
    }
    std::shared_ptr<const core::MipPyramid> pyramid;
    const double pyramidSeconds = secondsOf([&] { pyramid = std::make_shared<core::MipPyramid>(image); });
    const core::ToneMapStats stats = core::computeToneMapStats(*image);
    std::printf("image %d x %d; zoom levels built in %.1f ms; OCIO config: %s\n",
                image->width(),
                image->height(),
                pyramidSeconds * 1e3,
                ocio ? ocio->path().c_str() : "none (built-in sRGB)");
    std::printf("load average (1/5/15 min) before: %s; threads: %d; LUT kernel: %s\n",
                loadAverage().c_str(),
                core::workerThreadCount(),
                core::displayLutKernelName());

    const Case cases[] = {
        {"fit 1920x1080, sRGB Standard", 1920, 1080, true, "Standard", core::ToneMapOperator::Clip},
        {"1:1 1920x1080, sRGB Standard", 1920, 1080, false, "Standard", core::ToneMapOperator::Clip},
        {"1:1 1920x1080, ACES view", 1920, 1080, false, "ACES", core::ToneMapOperator::Clip},
        {"1:1 1920x1080, AgX view", 1920, 1080, false, "AgX", core::ToneMapOperator::Clip},
        {"1:1 1920x1080, ACES fitted", 1920, 1080, false, "Standard", core::ToneMapOperator::AcesFitted},
        {"1:1 1920x1080, Drago", 1920, 1080, false, "Standard", core::ToneMapOperator::Drago},
        {"1:1 3840x2160, sRGB Standard", 3840, 2160, false, "Standard", core::ToneMapOperator::Clip},
    };
    // An exposure drag: every frame has a new exposure.
    const int frames = 10 * repeat;
    auto settingsAt = [&](const Case& c, int frame) {
        core::DisplaySettings s;
        s.view = c.view;
        s.exposureEv = -4.0f + 0.1f * float(frame % 80);
        s.toneMap.op = c.op;
        core::applyToneMapStats(s.toneMap, stats, std::exp2(s.exposureEv)); // as the viewer does
        return s;
    };
    auto viewportOf = [&](const Case& c) {
        return c.fit ? core::Viewport::fit(c.width, c.height, image->width(), image->height())
                     : core::Viewport{c.width, c.height, 1.0, image->width() / 2.0, image->height() / 2.0};
    };

    struct Row {
        double exactMs = 0, lutMs = 0, bakeMs = 0, glMs = 0, glReadMs = 0;
        int bakes = 0, maxError = 0;
    };
    std::vector<Row> rows;
    for (const Case& c : cases) {
        const core::Viewport vp = viewportOf(c);
        std::vector<std::uint32_t> exactFrame(std::size_t(c.width) * std::size_t(c.height));
        std::vector<std::uint32_t> lutFrame(exactFrame.size());
        Row row;
        std::vector<double> exact, lut;
        core::DisplayLutCache cache;
        for (int i = 0; i < frames; ++i) {
            const core::DisplaySettings s = settingsAt(c, i);
            exact.push_back(secondsOf([&] {
                auto t = core::DisplayTransform::create(s, ocio.get(), image->colorSpace);
                core::renderViewport(*pyramid, *t, vp, exactFrame.data(), std::size_t(c.width));
            }));
            const double seconds = secondsOf([&] {
                auto t = core::LutDisplayTransform::create(s, ocio.get(), image->colorSpace, &cache);
                core::renderViewport(*pyramid, *t, vp, lutFrame.data(), std::size_t(c.width));
            });
            if (i == 0) {
                row.bakeMs = seconds * 1e3; // the LUT is baked in the first frame
            } else {
                lut.push_back(seconds);
            }
        }
        row.exactMs = median(exact) * 1e3;
        row.lutMs = median(lut) * 1e3;
        row.bakes = cache.bakeCount();
        row.maxError = maxCodeDifference(exactFrame, lutFrame);
        rows.push_back(row);
    }

#ifdef HDR_WITH_VIEWER_GL
    std::vector<GlViewerCase> glCases;
    for (const Case& c : cases) {
        glCases.push_back({viewportOf(c), settingsAt(c, 0)});
    }
    const GlViewerTiming gl = timeGlViewer(pyramid, ocio.get(), glCases, frames);
    for (std::size_t i = 0; gl.available && i < rows.size(); ++i) {
        rows[i].glMs = gl.drawMs[i];
        rows[i].glReadMs = gl.readbackMs[i];
    }
#endif

    std::printf(
        "\nms per frame after an exposure change (median of %d; exact = per-pixel OCIO, LUT = baked\n"
        "65^3 lattice, tetrahedral, exposure applied before the shaper; first LUT frame = bake + render)\n",
        frames);
    std::printf("%-30s %9s %9s %7s %10s %6s %9s %9s\n",
                "case",
                "exact ms",
                "LUT ms",
                "ratio",
                "1st LUT ms",
                "bakes",
                "GL ms",
                "GL+read");
    nlohmann::json report = nlohmann::json::array();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        std::printf("%-30s %9.2f %9.2f %7.2f %10.2f %6d %9s %9s   (LUT vs exact: max %d codes)\n",
                    cases[i].name,
                    r.exactMs,
                    r.lutMs,
                    r.lutMs > 0 ? r.exactMs / r.lutMs : 0.0,
                    r.bakeMs,
                    r.bakes,
                    r.glMs > 0 ? std::to_string(r.glMs).substr(0, 6).c_str() : "-",
                    r.glReadMs > 0 ? std::to_string(r.glReadMs).substr(0, 6).c_str() : "-",
                    r.maxError);
        report.push_back({{"case", cases[i].name},
                          {"exact_ms", r.exactMs},
                          {"lut_ms", r.lutMs},
                          {"lut_first_frame_ms", r.bakeMs},
                          {"lut_bakes", r.bakes},
                          {"gl_ms", r.glMs},
                          {"gl_readback_ms", r.glReadMs},
                          {"lut_max_code_error", r.maxError}});
    }
#ifdef HDR_WITH_VIEWER_GL
    if (gl.available) {
        std::printf("GL: %s; first frame (textures + program) %.1f ms; GL ms = draw + glFinish\n",
                    gl.renderer.c_str(),
                    gl.uploadMs);
    } else {
        std::printf("GL path not measured: %s\n", gl.why.c_str());
    }
#else
    std::printf("GL path not measured: built without the UI (HDR_BUILD_UI=OFF)\n");
#endif
    std::printf("goal: <= 16 ms per 1920x1080 exposure change on the CPU path; load average after: %s\n",
                loadAverage().c_str());
    if (args.flag("json")) {
        std::printf("%s\n", report.dump(2).c_str());
    }
    return kExitOk;
}

} // namespace hdr::cli
