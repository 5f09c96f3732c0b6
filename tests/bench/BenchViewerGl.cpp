#include "BenchViewerGl.h"

#include "BenchSupport.h"
#include "ui/viewer/GlDisplayRenderer.h"

#include <QGuiApplication>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QOpenGLFramebufferObject>

#include <algorithm>
#include <cstdlib>

namespace hdr::cli {
namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

} // namespace

GlViewerTiming timeGlViewer(const std::shared_ptr<const core::MipPyramid>& pyramid,
                            const core::OcioConfig* config,
                            const std::vector<GlViewerCase>& cases,
                            int frames)
{
    GlViewerTiming timing;
    const char* platform = std::getenv("QT_QPA_PLATFORM");
    const bool display = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
    if (!display && !(platform && *platform)) {
        timing.why = "no display (run under xvfb-run on a headless machine)";
        return timing;
    }
    static int argc = 1;
    static char name[] = "hdrstudio-bench";
    static char* argv[] = {name, nullptr};
    auto app = QGuiApplication::instance() ? nullptr : std::make_unique<QGuiApplication>(argc, argv);

    QOpenGLContext context;
    context.setFormat(ui::GlDisplayRenderer::surfaceFormat());
    QOffscreenSurface surface;
    surface.setFormat(context.format());
    surface.create();
    if (!context.create() || !context.makeCurrent(&surface) || context.format().version() < qMakePair(3, 3)) {
        timing.why =
            "no OpenGL 3.3 core context on platform '" + QGuiApplication::platformName().toStdString() + "'";
        return timing;
    }
    QOpenGLExtraFunctions* gl = context.extraFunctions();
    timing.renderer = std::string(reinterpret_cast<const char*>(gl->glGetString(GL_RENDERER))) + ", " +
                      reinterpret_cast<const char*>(gl->glGetString(GL_VERSION));
    {
        ui::GlDisplayRenderer renderer;
        for (std::size_t c = 0; c < cases.size(); ++c) {
            const core::Viewport& vp = cases[c].viewport;
            QOpenGLFramebufferObject fbo(vp.width, vp.height);
            fbo.bind();
            std::vector<std::uint32_t> pixels(std::size_t(vp.width) * std::size_t(vp.height));
            if (c == 0) {
                timing.uploadMs = 1e3 * secondsOf([&] {
                                      (void)renderer.draw(pyramid, cases[c].settings, config, vp);
                                      gl->glFinish();
                                  });
            }
            std::vector<double> draw, readback;
            for (int i = 0; i < frames; ++i) {
                core::DisplaySettings s = cases[c].settings;
                const float k = std::exp2(-4.0f + 0.1f * float(i % 80) - s.exposureEv);
                s.exposureEv = -4.0f + 0.1f * float(i % 80);
                s.toneMap.logAverageLuminance *= k; // the statistics follow exposure, as in the viewer
                s.toneMap.maxLuminance *= k;
                core::Status ok;
                draw.push_back(secondsOf([&] {
                    ok = renderer.draw(pyramid, s, config, vp);
                    gl->glFinish();
                }));
                if (!ok) {
                    timing.why = ok.error().describe();
                    return timing;
                }
                readback.push_back(secondsOf([&] {
                    (void)renderer.draw(pyramid, s, config, vp);
                    gl->glReadPixels(0, 0, vp.width, vp.height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
                }));
            }
            fbo.release();
            timing.drawMs.push_back(median(draw) * 1e3);
            timing.readbackMs.push_back(median(readback) * 1e3);
        }
    }
    context.doneCurrent();
    timing.available = true;
    return timing;
}

} // namespace hdr::cli
