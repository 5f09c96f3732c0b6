#include "ui/viewer/GlViewerSurface.h"

#include "ui/Logging.h"
#include "ui/viewer/GlDisplayRenderer.h"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QPainter>

namespace hdr::ui {

GlViewerSurface::GlViewerSurface(QWidget* parent, DrawFn draw, DecorateFn decorate)
    : QOpenGLWidget(parent)
    , m_draw(std::move(draw))
    , m_decorate(std::move(decorate))
{
    setFormat(GlDisplayRenderer::surfaceFormat());
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setFocusPolicy(Qt::NoFocus);
}

GlViewerSurface::~GlViewerSurface()
{
    releaseRenderer();
}

void GlViewerSurface::releaseRenderer()
{
    if (m_renderer && context()) {
        makeCurrent();
        m_renderer.reset();
        doneCurrent();
    }
}

bool GlViewerSurface::contextAvailable(QString* reason)
{
    static const QString why = [] {
        const QString platform = QGuiApplication::platformName();
        if (platform == QStringLiteral("offscreen") || platform == QStringLiteral("minimal")) {
            return QStringLiteral("the '%1' platform draws without OpenGL").arg(platform);
        }
        QOpenGLContext context;
        context.setFormat(GlDisplayRenderer::surfaceFormat());
        if (!context.create()) {
            return QStringLiteral("no OpenGL context can be created");
        }
        const QSurfaceFormat got = context.format();
        if (got.version() < qMakePair(3, 3) || got.renderableType() != QSurfaceFormat::OpenGL) {
            return QStringLiteral("OpenGL %1.%2 is older than the 3.3 the viewer's shader needs")
                .arg(got.majorVersion())
                .arg(got.minorVersion());
        }
        QOffscreenSurface surface;
        surface.setFormat(context.format());
        surface.create();
        if (!context.makeCurrent(&surface)) {
            return QStringLiteral("the OpenGL context cannot be made current");
        }
        context.doneCurrent();
        return QString();
    }();
    if (reason) {
        *reason = why;
    }
    return why.isEmpty();
}

void GlViewerSurface::initializeGL()
{
    m_failed = false;
    // A new context (first show, or the widget moved to another window) needs new GL objects.
    m_renderer = std::make_unique<GlDisplayRenderer>();
    connect(context(),
            &QOpenGLContext::aboutToBeDestroyed,
            this,
            &GlViewerSurface::releaseRenderer,
            Qt::UniqueConnection);
    QOpenGLFunctions* f = QOpenGLContext::currentContext()->functions();
    qCInfo(lcViewer).noquote() << "GPU viewer:" << reinterpret_cast<const char*>(f->glGetString(GL_RENDERER))
                               << reinterpret_cast<const char*>(f->glGetString(GL_VERSION));
}

void GlViewerSurface::paintGL()
{
    QElapsedTimer timer;
    timer.start();
    auto* f = context()->functions();
    f->glClearColor(30.0f / 255.0f, 30.0f / 255.0f, 30.0f / 255.0f, 1.0f);
    f->glClear(GL_COLOR_BUFFER_BIT);
    if (m_failed || !m_renderer) {
        return;
    }
    const qreal dpr = devicePixelRatioF();
    const QSize device(qRound(width() * dpr), qRound(height() * dpr));
    if (const core::Status ok = m_draw(*m_renderer, device, dpr); !ok) {
        m_failed = true;
        emit failed(QString::fromStdString(ok.error().describe()));
        return;
    }
    m_lastDrawMs = double(timer.nsecsElapsed()) / 1e6;
    if (!m_plain) {
        QPainter p(this);
        m_decorate(p);
    }
    emit drawn();
}

QImage GlViewerSurface::grabPlainFrame()
{
    m_plain = true;
    QImage frame = grabFramebuffer();
    m_plain = false;
    return frame.convertToFormat(QImage::Format_RGB32);
}

} // namespace hdr::ui
