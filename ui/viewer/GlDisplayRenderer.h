#pragma once

#include "display/DisplayShader.h"
#include "display/MipPyramid.h"
#include "display/ViewportRenderer.h"

#include <QSurfaceFormat>

#include <map>
#include <memory>
#include <string>
#include <vector>

class QOpenGLExtraFunctions;
class QOpenGLShaderProgram;
class QOpenGLVertexArrayObject;

namespace hdr::ui {

// The GPU form of core::renderViewport: draws what a viewport shows of a mip pyramid through
// the generated display program (core::makeDisplayShader) into the current framebuffer. The
// mip level in view is a float texture (uploaded once per image and level); per frame only the
// uniforms change, so an exposure drag costs one draw. Programs are cached by their key
// (display / view / input space), OCIO's LUT textures with them.
// Needs a current OpenGL 3.3 core context for all calls, the destructor included.
class GlDisplayRenderer {
public:
    GlDisplayRenderer();
    ~GlDisplayRenderer();
    GlDisplayRenderer(const GlDisplayRenderer&) = delete;
    GlDisplayRenderer& operator=(const GlDisplayRenderer&) = delete;

    // The context format the renderer needs.
    static QSurfaceFormat surfaceFormat();

    // Draws into the current framebuffer, whose size is the viewport's; only columns >= firstColumn
    // (the B side of a comparison). Errors: the program does not compile, a level exceeds the
    // largest texture, an OCIO failure; the caller falls back to the CPU path.
    core::Status draw(const std::shared_ptr<const core::MipPyramid>& pyramid,
                      const core::DisplaySettings& settings,
                      const core::OcioConfig* config,
                      const core::Viewport& viewport,
                      int firstColumn = 0);

    // Drops the textures of images not in `keep` (null entries allowed).
    void retainImages(const core::MipPyramid* keepA, const core::MipPyramid* keepB);

private:
    struct Program;
    struct LevelTexture;
    Program* programFor(const core::DisplaySettings& settings,
                        const core::OcioConfig* config,
                        const core::LinearColorSpace& input,
                        core::Status& status);
    unsigned
    levelTexture(const std::shared_ptr<const core::MipPyramid>& pyramid, int level, core::Status& status);
    void uploadSampling(const core::ViewportSampling& sampling);
    void setUniforms(Program& program, const core::DisplayShaderUniforms& u, int viewHeight);

    QOpenGLExtraFunctions* m_gl = nullptr;
    std::unique_ptr<QOpenGLVertexArrayObject> m_vao;
    std::map<std::string, std::unique_ptr<Program>> m_programs;
    std::vector<std::unique_ptr<LevelTexture>> m_levels;
    unsigned m_columnsTexture = 0;
    unsigned m_rowsTexture = 0;
    int m_maxTextureSize = 0;
};

} // namespace hdr::ui
