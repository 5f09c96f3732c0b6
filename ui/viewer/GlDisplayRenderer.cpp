#include "ui/viewer/GlDisplayRenderer.h"

#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QOpenGLShaderProgram>
#include <QOpenGLVertexArrayObject>

#include <algorithm>

namespace hdr::ui {

struct GlDisplayRenderer::LevelTexture {
    std::weak_ptr<const core::MipPyramid> owner;
    const core::MipPyramid* key = nullptr;
    int level = 0;
    GLuint texture = 0;
};

struct GlDisplayRenderer::Program {
    QOpenGLShaderProgram shader;
    struct Lut {
        GLuint texture = 0;
        GLenum target = GL_TEXTURE_2D;
        int location = -1;
    };
    std::vector<Lut> luts;
};

namespace {

constexpr int kImageUnit = 0;
constexpr int kColumnsUnit = 1;
constexpr int kRowsUnit = 2;
constexpr int kFirstLutUnit = 3;

core::Status glError(const std::string& message)
{
    return core::fail(core::ErrorCode::Internal, "GPU viewer: " + message);
}

} // namespace

GlDisplayRenderer::GlDisplayRenderer()
    : m_gl(QOpenGLContext::currentContext()->extraFunctions())
    , m_vao(std::make_unique<QOpenGLVertexArrayObject>())
{
    m_vao->create();
    m_gl->glGetIntegerv(GL_MAX_TEXTURE_SIZE, &m_maxTextureSize);
    GLuint textures[2];
    m_gl->glGenTextures(2, textures);
    m_columnsTexture = textures[0];
    m_rowsTexture = textures[1];
}

GlDisplayRenderer::~GlDisplayRenderer()
{
    for (auto& level : m_levels) {
        m_gl->glDeleteTextures(1, &level->texture);
    }
    for (auto& [key, program] : m_programs) {
        for (const Program::Lut& lut : program->luts) {
            m_gl->glDeleteTextures(1, &lut.texture);
        }
    }
    const GLuint textures[2] = {m_columnsTexture, m_rowsTexture};
    m_gl->glDeleteTextures(2, textures);
}

QSurfaceFormat GlDisplayRenderer::surfaceFormat()
{
    QSurfaceFormat format;
    format.setRenderableType(QSurfaceFormat::OpenGL);
    format.setVersion(3, 3);
    format.setProfile(QSurfaceFormat::CoreProfile);
    format.setDepthBufferSize(0);
    format.setStencilBufferSize(8); // QPainter on top of the GL frame clips with the stencil
    return format;
}

GlDisplayRenderer::Program* GlDisplayRenderer::programFor(const core::DisplaySettings& settings,
                                                          const core::OcioConfig* config,
                                                          const core::LinearColorSpace& input,
                                                          core::Status& status)
{
    const std::string key = core::displayShaderKey(settings, config, input);
    if (auto it = m_programs.find(key); it != m_programs.end()) {
        return it->second.get();
    }
    auto source = core::makeDisplayShader(settings, config, input);
    if (!source) {
        status = tl::unexpected(source.error());
        return nullptr;
    }
    auto program = std::make_unique<Program>();
    if (!program->shader.addShaderFromSourceCode(QOpenGLShader::Vertex, source->vertexSource.c_str()) ||
        !program->shader.addShaderFromSourceCode(QOpenGLShader::Fragment, source->fragmentSource.c_str()) ||
        !program->shader.link()) {
        status = glError("the display shader does not compile: " + program->shader.log().toStdString());
        return nullptr;
    }
    for (const core::ShaderLut& lut : source->luts) {
        Program::Lut t;
        m_gl->glGenTextures(1, &t.texture);
        t.target = lut.depth > 0 ? GL_TEXTURE_3D : GL_TEXTURE_2D;
        m_gl->glBindTexture(t.target, t.texture);
        const GLint filter = lut.linearFilter ? GL_LINEAR : GL_NEAREST;
        m_gl->glTexParameteri(t.target, GL_TEXTURE_MIN_FILTER, filter);
        m_gl->glTexParameteri(t.target, GL_TEXTURE_MAG_FILTER, filter);
        m_gl->glTexParameteri(t.target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        m_gl->glTexParameteri(t.target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        m_gl->glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
        if (lut.depth > 0) {
            m_gl->glTexParameteri(t.target, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
            m_gl->glTexImage3D(t.target,
                               0,
                               GL_RGB32F,
                               lut.width,
                               lut.height,
                               lut.depth,
                               0,
                               GL_RGB,
                               GL_FLOAT,
                               lut.values.data());
        } else {
            const bool red = lut.channels == 1;
            m_gl->glTexImage2D(t.target,
                               0,
                               red ? GL_R32F : GL_RGB32F,
                               lut.width,
                               lut.height,
                               0,
                               red ? GL_RED : GL_RGB,
                               GL_FLOAT,
                               lut.values.data());
        }
        t.location = program->shader.uniformLocation(lut.samplerName.c_str());
        program->luts.push_back(t);
    }
    Program* raw = program.get();
    m_programs.emplace(key, std::move(program));
    return raw;
}

unsigned GlDisplayRenderer::levelTexture(const std::shared_ptr<const core::MipPyramid>& pyramid,
                                         int level,
                                         core::Status& status)
{
    for (const auto& t : m_levels) {
        if (t->key == pyramid.get() && t->level == level && t->owner.lock() == pyramid) {
            return t->texture;
        }
    }
    const core::ImageF& image = pyramid->level(level);
    if (image.width() > m_maxTextureSize || image.height() > m_maxTextureSize) {
        status = glError("the image is larger than the largest texture (" + std::to_string(m_maxTextureSize) +
                         " pixels a side)");
        return 0;
    }
    if (image.channels() < 3) {
        status = glError("the image has fewer than three channels");
        return 0;
    }
    auto t = std::make_unique<LevelTexture>();
    t->owner = pyramid;
    t->key = pyramid.get();
    t->level = level;
    m_gl->glGenTextures(1, &t->texture);
    m_gl->glBindTexture(GL_TEXTURE_2D, t->texture);
    m_gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    m_gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    m_gl->glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    const bool rgba = image.channels() == 4;
    if (image.channels() == 3 || rgba) {
        m_gl->glTexImage2D(GL_TEXTURE_2D,
                           0,
                           rgba ? GL_RGBA32F : GL_RGB32F,
                           image.width(),
                           image.height(),
                           0,
                           rgba ? GL_RGBA : GL_RGB,
                           GL_FLOAT,
                           image.data());
    } else { // extra channels: upload the first three
        std::vector<float> rgb(std::size_t(image.width()) * std::size_t(image.height()) * 3);
        const float* src = image.data();
        for (std::size_t i = 0; i < rgb.size() / 3; ++i, src += image.channels()) {
            std::copy(src, src + 3, rgb.data() + i * 3);
        }
        m_gl->glTexImage2D(
            GL_TEXTURE_2D, 0, GL_RGB32F, image.width(), image.height(), 0, GL_RGB, GL_FLOAT, rgb.data());
    }
    if (m_gl->glGetError() != GL_NO_ERROR) {
        m_gl->glDeleteTextures(1, &t->texture);
        status = glError("the image texture could not be allocated");
        return 0;
    }
    m_levels.push_back(std::move(t));
    return m_levels.back()->texture;
}

void GlDisplayRenderer::uploadSampling(const core::ViewportSampling& sampling)
{
    for (const auto& [texture, values] :
         {std::pair{m_columnsTexture, &sampling.columns}, std::pair{m_rowsTexture, &sampling.rows}}) {
        m_gl->glBindTexture(GL_TEXTURE_2D, texture);
        m_gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        m_gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        m_gl->glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
        m_gl->glTexImage2D(
            GL_TEXTURE_2D, 0, GL_R32I, GLsizei(values->size()), 1, 0, GL_RED_INTEGER, GL_INT, values->data());
    }
}

void GlDisplayRenderer::setUniforms(Program& p, const core::DisplayShaderUniforms& u, int viewHeight)
{
    QOpenGLShaderProgram& s = p.shader;
    s.setUniformValue("u_image", kImageUnit);
    s.setUniformValue("u_columns", kColumnsUnit);
    s.setUniformValue("u_rows", kRowsUnit);
    s.setUniformValue("u_viewHeight", viewHeight);
    s.setUniformValue("u_exposureScale", u.exposureScale);
    s.setUniformValue("u_offset", u.offset);
    s.setUniformValue("u_applyGamma", u.applyGamma);
    s.setUniformValue("u_inverseGamma", u.inverseGamma);
    s.setUniformValue("u_convertToRec709", u.convertToRec709);
    const GLint matrix = s.uniformLocation("u_toRec709");
    if (matrix >= 0) {
        m_gl->glUniformMatrix3fv(matrix, 1, GL_TRUE, u.toRec709.data()); // row-major
    }
    s.setUniformValue("u_toneMap", u.toneMapOperator);
    s.setUniformValue("u_whitePoint", u.whitePoint);
    s.setUniformValue("u_dragoBias", u.dragoBias);
    s.setUniformValue("u_logAverageLuminance", u.logAverageLuminance);
    s.setUniformValue("u_maxLuminance", u.maxLuminance);
    s.setUniformValue("u_peakScale", u.peakScale);
    s.setUniformValue("u_mu", u.mu);
    s.setUniformValue("u_muNorm", u.muNorm);
    s.setUniformValue("u_key", u.key);
    s.setUniformValue("u_overlay", u.overlay);
    s.setUniformValue("u_clipThreshold", u.clipThreshold);
    s.setUniformValue("u_luminanceWeights", u.luminanceWeights.r, u.luminanceWeights.g, u.luminanceWeights.b);
}

core::Status GlDisplayRenderer::draw(const std::shared_ptr<const core::MipPyramid>& pyramid,
                                     const core::DisplaySettings& settings,
                                     const core::OcioConfig* config,
                                     const core::Viewport& viewport,
                                     int firstColumn)
{
    if (!pyramid || viewport.width <= 0 || viewport.height <= 0) {
        return {};
    }
    const core::LinearColorSpace& input = pyramid->base().colorSpace;
    core::Status status;
    Program* program = programFor(settings, config, input, status);
    if (!program) {
        return status;
    }
    const core::ViewportSampling sampling = core::viewportSampling(*pyramid, viewport);
    const GLuint image = levelTexture(pyramid, sampling.level, status);
    if (!image) {
        return status;
    }
    uploadSampling(sampling);

    m_gl->glViewport(0, 0, viewport.width, viewport.height);
    m_gl->glDisable(GL_DEPTH_TEST);
    m_gl->glDisable(GL_BLEND);
    const bool scissor = firstColumn > 0;
    if (scissor) {
        m_gl->glEnable(GL_SCISSOR_TEST);
        m_gl->glScissor(firstColumn, 0, std::max(0, viewport.width - firstColumn), viewport.height);
    }
    program->shader.bind();
    setUniforms(*program, core::displayShaderUniforms(settings, config, input), viewport.height);
    m_gl->glActiveTexture(GL_TEXTURE0 + kImageUnit);
    m_gl->glBindTexture(GL_TEXTURE_2D, image);
    m_gl->glActiveTexture(GL_TEXTURE0 + kColumnsUnit);
    m_gl->glBindTexture(GL_TEXTURE_2D, m_columnsTexture);
    m_gl->glActiveTexture(GL_TEXTURE0 + kRowsUnit);
    m_gl->glBindTexture(GL_TEXTURE_2D, m_rowsTexture);
    for (std::size_t i = 0; i < program->luts.size(); ++i) {
        const Program::Lut& lut = program->luts[i];
        m_gl->glActiveTexture(GLenum(GL_TEXTURE0 + kFirstLutUnit + int(i)));
        m_gl->glBindTexture(lut.target, lut.texture);
        program->shader.setUniformValue(lut.location, kFirstLutUnit + int(i));
    }
    m_vao->bind();
    m_gl->glDrawArrays(GL_TRIANGLES, 0, 3);
    m_vao->release();
    program->shader.release();
    m_gl->glActiveTexture(GL_TEXTURE0);
    if (scissor) {
        m_gl->glDisable(GL_SCISSOR_TEST);
    }
    if (const GLenum error = m_gl->glGetError(); error != GL_NO_ERROR) {
        return glError("OpenGL error " + std::to_string(error) + " while drawing");
    }
    return {};
}

void GlDisplayRenderer::retainImages(const core::MipPyramid* keepA, const core::MipPyramid* keepB)
{
    auto stale = [&](const std::unique_ptr<LevelTexture>& t) {
        const bool keep = (t->key == keepA || t->key == keepB) && !t->owner.expired();
        if (!keep) {
            m_gl->glDeleteTextures(1, &t->texture);
        }
        return !keep;
    };
    m_levels.erase(std::remove_if(m_levels.begin(), m_levels.end(), stale), m_levels.end());
}

} // namespace hdr::ui
