#pragma once
// The OpenGL part of `bench viewer` (built with the UI: it needs QtGui and the GPU renderer).

#include "display/DisplayTransform.h"
#include "display/MipPyramid.h"
#include "display/ViewportRenderer.h"

#include <memory>
#include <string>
#include <vector>

namespace hdr::cli {

struct GlViewerCase {
    core::Viewport viewport;
    core::DisplaySettings settings; // exposure varies per frame
};

struct GlViewerTiming {
    bool available = false;
    std::string why;                // when not available
    std::string renderer;           // GL_RENDERER / GL_VERSION
    std::vector<double> drawMs;     // per case: median draw + glFinish per exposure change
    std::vector<double> readbackMs; // per case: the same plus glReadPixels of the frame
    double uploadMs = 0;            // first frame: the level textures and the program
};

// Times the cases on an offscreen framebuffer (needs a display: xcb / wayland).
GlViewerTiming timeGlViewer(const std::shared_ptr<const core::MipPyramid>& pyramid,
                            const core::OcioConfig* config,
                            const std::vector<GlViewerCase>& cases,
                            int frames);

} // namespace hdr::cli
