#include "ui/viewer/ImageViewer.h"

#include "color/Ocio.h"
#include "ui/Logging.h"
#include "ui/viewer/GlDisplayRenderer.h"
#include "ui/viewer/GlViewerSurface.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrent>

#include <algorithm>
#include <cmath>

namespace hdr::ui {

// Everything a render needs, captured by value on the GUI thread.
struct ImageViewer::RenderRequest {
    quint64 generation = 0;
    DocumentPtr doc;
    DocumentPtr compareDoc;
    std::shared_ptr<const core::OcioConfig> ocio;
    core::DisplaySettings settings;
    core::Viewport viewport;
    double split = 0.5;
    std::shared_ptr<core::DisplayLutCache> lutCache; // null: the exact per-pixel path
};

struct ImageViewer::RenderResult {
    quint64 generation = 0;
    QImage frame;
    core::Viewport viewport;
    double milliseconds = 0;
    QString error;
};

ImageViewer::ImageViewer(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(200, 150);
    // One render at a time; each render is itself parallel over rows (core parallelFor).
    m_renderPool.setMaxThreadCount(1);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &ImageViewer::onRenderFinished);
    const QByteArray wanted = qgetenv("HDR_VIEWER_PATH");
    setRenderPath(wanted == "cpu"         ? RenderPath::CpuLut
                  : wanted == "cpu-exact" ? RenderPath::CpuExact
                                          : RenderPath::OpenGl);
}

ImageViewer::RenderPath ImageViewer::setRenderPath(RenderPath path)
{
    QString why;
    if (path == RenderPath::OpenGl && !GlViewerSurface::contextAvailable(&why)) {
        qCInfo(lcViewer).noquote() << "GPU viewer off:" << why << "- rendering on the CPU";
        path = RenderPath::CpuLut;
    }
    if (path == RenderPath::OpenGl && !m_gl) {
        m_gl = new GlViewerSurface(
            this,
            [this](GlDisplayRenderer& r, QSize size, qreal dpr) { return drawGl(r, size, dpr); },
            [this](QPainter& p) { paintDecorations(p); });
        m_gl->setGeometry(rect());
        m_gl->show();
        connect(m_gl, &GlViewerSurface::drawn, this, &ImageViewer::onGlDrawn, Qt::QueuedConnection);
        connect(m_gl, &GlViewerSurface::failed, this, &ImageViewer::onGlFailed, Qt::QueuedConnection);
    } else if (path != RenderPath::OpenGl && m_gl) {
        m_gl->hide();
        m_gl->deleteLater();
        m_gl = nullptr;
    }
    m_path = path;
    requestRender();
    return path;
}

ImageViewer::~ImageViewer()
{
    m_watcher.waitForFinished();
    m_renderPool.waitForDone();
}

void ImageViewer::setOcioConfig(std::shared_ptr<const core::OcioConfig> config)
{
    m_ocio = std::move(config);
    // Cached LUTs name their config by address; a new config starts a new cache (a render in
    // flight keeps the old one alive through its request).
    m_lutCache = std::make_shared<core::DisplayLutCache>();
    requestRender();
}

void ImageViewer::setDocument(DocumentPtr doc)
{
    m_doc = std::move(doc);
    zoomToFit();
}

void ImageViewer::setCompareDocument(DocumentPtr doc)
{
    m_compareDoc = std::move(doc);
    requestRender();
}

void ImageViewer::setDisplaySettings(const core::DisplaySettings& settings)
{
    if (settings == m_settings) {
        return;
    }
    m_settings = settings;
    requestRender();
}

void ImageViewer::setCompareSplit(double fraction)
{
    m_split = std::clamp(fraction, 0.0, 1.0);
    if (m_compareDoc) {
        requestRender();
    }
}

void ImageViewer::updateFitViewport()
{
    if (!m_doc) {
        m_viewport = core::Viewport{width(), height(), 1.0, 0, 0};
        return;
    }
    m_viewport = core::Viewport::fit(width(), height(), m_doc->image().width(), m_doc->image().height());
}

void ImageViewer::zoomToFit()
{
    m_fit = true;
    updateFitViewport();
    emit zoomChanged(m_viewport.zoom);
    requestRender();
}

void ImageViewer::zoomOneToOne()
{
    zoomBy(1.0 / m_viewport.zoom, QPointF(width() / 2.0, height() / 2.0));
}

void ImageViewer::zoomBy(double factor, QPointF anchor)
{
    if (!m_doc) {
        return;
    }
    const double newZoom = std::clamp(m_viewport.zoom * factor, 1.0 / 256.0, 256.0);
    // Keep the image point under the anchor fixed.
    const double ix = m_viewport.imageX(anchor.x()), iy = m_viewport.imageY(anchor.y());
    m_viewport.zoom = newZoom;
    m_viewport.centerX = ix - (anchor.x() - 0.5 * width()) / newZoom;
    m_viewport.centerY = iy - (anchor.y() - 0.5 * height()) / newZoom;
    m_fit = false;
    emit zoomChanged(newZoom);
    requestRender();
}

void ImageViewer::requestRender()
{
    ++m_generation;
    m_viewport.width = width();
    m_viewport.height = height();
    if (m_gl) {
        m_gl->update(); // drawn in GlViewerSurface::paintGL, with the state as it is then
        return;
    }
    if (m_renderInFlight) {
        m_renderPending = true; // coalesced: only the latest state renders next
    } else {
        startRender();
    }
    update();
}

void ImageViewer::startRender()
{
    m_renderPending = false;
    if (!m_doc || width() <= 0 || height() <= 0) {
        return;
    }
    RenderRequest rq{m_generation,
                     m_doc,
                     m_compareDoc,
                     m_ocio,
                     m_settings,
                     m_viewport,
                     m_split,
                     m_path == RenderPath::CpuExact ? nullptr : m_lutCache};
    m_renderInFlight = true;
    m_watcher.setFuture(QtConcurrent::run(&m_renderPool, [rq] { return renderFrame(rq); }));
}

void ImageViewer::onRenderFinished()
{
    m_renderInFlight = false;
    const auto result = m_watcher.future().result();
    if (result && !result->error.isEmpty()) {
        if (result->error != m_lastError) {
            m_lastError = result->error;
            emit renderFailed(result->error);
        }
    } else if (result && result->generation <= m_generation) {
        m_lastError.clear();
        m_frame = result->frame;
        m_frameViewport = result->viewport;
        m_frameGeneration = result->generation;
        m_lastRenderMs = result->milliseconds;
        update();
    }
    if (m_renderPending || (result && result->generation != m_generation)) {
        startRender();
    } else if (frameIsCurrent()) {
        emit frameRendered();
    }
}

void ImageViewer::paintEvent(QPaintEvent*)
{
    if (m_gl) {
        return; // the GL surface covers the viewer
    }
    QPainter p(this);
    p.fillRect(rect(), QColor(30, 30, 30));
    if (m_doc && !m_frame.isNull()) {
        if (m_frameViewport.zoom == m_viewport.zoom && m_frameViewport.centerX == m_viewport.centerX &&
            m_frameViewport.centerY == m_viewport.centerY) {
            p.drawImage(0, 0, m_frame);
        } else {
            // Re-project the last frame to the current zoom/pan until the new one arrives.
            const double s = m_viewport.zoom / m_frameViewport.zoom;
            const double ox = m_viewport.viewX(m_frameViewport.imageX(0));
            const double oy = m_viewport.viewY(m_frameViewport.imageY(0));
            p.setRenderHint(QPainter::SmoothPixmapTransform, s < 1.0);
            p.drawImage(QRectF(ox, oy, m_frame.width() * s, m_frame.height() * s), m_frame);
        }
    }
    paintDecorations(p);
}

void ImageViewer::paintDecorations(QPainter& p)
{
    if (!m_doc) {
        p.setPen(QColor(170, 170, 170));
        p.drawText(rect(), Qt::AlignCenter, tr("Drop an HDR image here, or use File ▸ Open"));
        return;
    }
    if (m_compareDoc) {
        const int x = int(std::lround(m_split * width()));
        p.setPen(QPen(QColor(255, 255, 255, 200), 1));
        p.drawLine(x, 0, x, height());
        p.setPen(QColor(235, 235, 235));
        p.drawText(QRect(8, 6, x - 16, 20),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("A: ") + m_doc->displayName);
        p.drawText(QRect(x + 8, 6, width() - x - 16, 20),
                   Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("B: ") + m_compareDoc->displayName);
    }
    if (!m_lastError.isEmpty()) {
        p.setPen(QColor(255, 120, 120));
        p.drawText(rect().adjusted(10, 10, -10, -10), Qt::AlignBottom | Qt::AlignLeft, m_lastError);
    }
}

void ImageViewer::resizeEvent(QResizeEvent*)
{
    if (m_gl) {
        m_gl->setGeometry(rect());
    }
    if (m_fit) {
        updateFitViewport();
        emit zoomChanged(m_viewport.zoom);
    } else {
        m_viewport.width = width();
        m_viewport.height = height();
    }
    requestRender();
}

void ImageViewer::wheelEvent(QWheelEvent* e)
{
    const double steps = e->angleDelta().y() / 120.0;
    if (steps != 0.0) {
        zoomBy(std::pow(2.0, steps / 2.0), e->position());
    }
    e->accept();
}

void ImageViewer::mousePressEvent(QMouseEvent* e)
{
    m_lastMouse = e->position();
    const int splitX = int(std::lround(m_split * width()));
    if (m_compareDoc && e->button() == Qt::LeftButton &&
        (std::abs(e->position().x() - splitX) < 6 || (e->modifiers() & Qt::ControlModifier))) {
        m_draggingSplit = true;
        setCompareSplit(e->position().x() / std::max(1, width()));
    } else if (e->button() == Qt::LeftButton || e->button() == Qt::MiddleButton) {
        m_panning = true;
        setCursor(Qt::ClosedHandCursor);
    }
}

void ImageViewer::mouseMoveEvent(QMouseEvent* e)
{
    if (m_draggingSplit) {
        setCompareSplit(e->position().x() / std::max(1, width()));
    } else if (m_panning) {
        const QPointF d = e->position() - m_lastMouse;
        m_viewport.centerX -= d.x() / m_viewport.zoom;
        m_viewport.centerY -= d.y() / m_viewport.zoom;
        m_fit = false;
        requestRender();
    }
    m_lastMouse = e->position();
    probeAt(e->position());
}

void ImageViewer::mouseReleaseEvent(QMouseEvent*)
{
    m_panning = false;
    m_draggingSplit = false;
    unsetCursor();
}

void ImageViewer::mouseDoubleClickEvent(QMouseEvent* e)
{
    if (m_fit) {
        zoomBy(1.0 / m_viewport.zoom, e->position());
    } else {
        zoomToFit();
    }
}

void ImageViewer::leaveEvent(QEvent*)
{
    emit pixelProbed(std::nullopt, false);
}

void ImageViewer::probeAt(QPointF pos)
{
    if (!m_doc) {
        return;
    }
    const bool inB = m_compareDoc && pos.x() > m_split * width();
    const DocumentPtr& doc = inB ? m_compareDoc : m_doc;
    emit pixelProbed(core::probePixel(doc->image(), m_viewport.imageX(pos.x()), m_viewport.imageY(pos.y())),
                     inB);
}

QImage ImageViewer::currentFrame() const
{
    if (m_gl) {
        return m_frameGeneration > 0 ? m_gl->grabPlainFrame() : QImage();
    }
    return m_frame;
}

bool ImageViewer::frameIsCurrent() const
{
    if (m_gl) {
        return m_frameGeneration > 0 && m_frameGeneration == m_generation;
    }
    return !m_frame.isNull() && m_frameGeneration == m_generation;
}

core::DisplaySettings ImageViewer::settingsForDocument(const core::DisplaySettings& settings,
                                                       const ImageDocument& doc)
{
    core::DisplaySettings s = settings;
    // Drago and the other statistics-driven operators need the image's own statistics (after exposure).
    const float k = std::exp2(s.exposureEv);
    s.toneMap.logAverageLuminance = float(std::max(1e-9, doc.stats.logAverageLuminance)) * k;
    s.toneMap.maxLuminance = float(std::max(1e-9, doc.stats.maxLuminance)) * k;
    return s;
}

core::Status ImageViewer::drawGl(GlDisplayRenderer& renderer, QSize deviceSize, qreal dpr)
{
    m_glDrawGeneration = m_generation;
    if (!m_doc) {
        return {};
    }
    QElapsedTimer timer;
    timer.start();
    core::Viewport vp = m_viewport;
    vp.width = deviceSize.width();
    vp.height = deviceSize.height();
    vp.zoom *= dpr;
    renderer.retainImages(m_doc->pyramid.get(), m_compareDoc ? m_compareDoc->pyramid.get() : nullptr);
    core::Status ok =
        renderer.draw(m_doc->pyramid, settingsForDocument(m_settings, *m_doc), m_ocio.get(), vp);
    if (ok && m_compareDoc) {
        const int splitX = std::clamp(int(std::lround(m_split * vp.width)), 0, vp.width);
        ok = renderer.draw(
            m_compareDoc->pyramid, settingsForDocument(m_settings, *m_compareDoc), m_ocio.get(), vp, splitX);
    }
    m_lastRenderMs = double(timer.nsecsElapsed()) / 1e6;
    if (!ok && !core::DisplayTransform::create(m_settings, m_ocio.get(), m_doc->image().colorSpace)) {
        // The settings are at fault (a view the config lacks...), not OpenGL: say so, stay on the GPU.
        const QString message = QString::fromStdString(ok.error().describe());
        if (message != m_lastError) {
            m_lastError = message;
            QMetaObject::invokeMethod(
                this, [this, message] { emit renderFailed(message); }, Qt::QueuedConnection);
        }
        return {};
    }
    if (ok) {
        m_lastError.clear();
    }
    return ok;
}

void ImageViewer::onGlDrawn()
{
    if (!m_doc) {
        return;
    }
    m_frameGeneration = m_glDrawGeneration;
    if (frameIsCurrent()) {
        emit frameRendered();
    }
}

void ImageViewer::onGlFailed(const QString& message)
{
    qCWarning(lcViewer).noquote() << message << "- the viewer renders on the CPU from now on";
    m_frameGeneration = 0;
    setRenderPath(RenderPath::CpuLut);
}

// Runs on the render pool: builds the transform(s) and renders the viewport (A, then B right of the split).
std::shared_ptr<ImageViewer::RenderResult> ImageViewer::renderFrame(const RenderRequest& rq)
{
    auto result = std::make_shared<ImageViewer::RenderResult>();
    result->generation = rq.generation;
    result->viewport = rq.viewport;
    QElapsedTimer timer;
    timer.start();
    // Draws one document over the whole frame: through the baked LUT (exposure changes reuse it)
    // or, without a cache, the exact per-pixel transform.
    auto renderDocument = [&](const ImageDocument& doc, QImage& frame) -> core::Status {
        const core::DisplaySettings s = settingsForDocument(rq.settings, doc);
        auto* bits = reinterpret_cast<std::uint32_t*>(frame.bits());
        const std::size_t stride = std::size_t(frame.bytesPerLine() / 4);
        if (rq.lutCache) {
            auto t = core::LutDisplayTransform::create(
                s, rq.ocio.get(), doc.image().colorSpace, rq.lutCache.get());
            if (!t) {
                return tl::unexpected(t.error());
            }
            core::renderViewport(*doc.pyramid, *t, rq.viewport, bits, stride);
        } else {
            auto t = core::DisplayTransform::create(s, rq.ocio.get(), doc.image().colorSpace);
            if (!t) {
                return tl::unexpected(t.error());
            }
            core::renderViewport(*doc.pyramid, *t, rq.viewport, bits, stride);
        }
        return {};
    };
    QImage frame(rq.viewport.width, rq.viewport.height, QImage::Format_RGB32);
    if (auto ok = renderDocument(*rq.doc, frame); !ok) {
        result->error = QString::fromStdString(ok.error().describe());
        return result;
    }
    if (rq.compareDoc) {
        QImage frameB(rq.viewport.width, rq.viewport.height, QImage::Format_RGB32);
        if (auto ok = renderDocument(*rq.compareDoc, frameB); !ok) {
            result->error = QString::fromStdString(ok.error().describe());
            return result;
        }
        const int splitX = std::clamp(int(std::lround(rq.split * rq.viewport.width)), 0, rq.viewport.width);
        for (int y = 0; y < frame.height(); ++y) {
            auto* dst = reinterpret_cast<std::uint32_t*>(frame.scanLine(y));
            const auto* src = reinterpret_cast<const std::uint32_t*>(frameB.constScanLine(y));
            std::copy(src + splitX, src + rq.viewport.width, dst + splitX);
        }
    }
    result->frame = std::move(frame);
    result->milliseconds = double(timer.nsecsElapsed()) / 1e6;
    return result;
}

} // namespace hdr::ui
