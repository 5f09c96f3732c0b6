#pragma once

#include "display/DisplayTransform.h"
#include "display/LutDisplayTransform.h"
#include "display/ViewportRenderer.h"
#include "ui/viewer/ImageDocument.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QImage>
#include <QThreadPool>
#include <QWidget>

#include <memory>
#include <optional>

class QPainter;

namespace hdr::core {
class OcioConfig;
}

namespace hdr::ui {

class GlDisplayRenderer;
class GlViewerSurface;

// The tone-mapped HDR viewer. Shows image A (and optionally B side by side at a split line for
// A/B comparison) through a display transform. Frames are rendered on a worker thread; the
// latest request wins (a generation counter drops stale frames, requests arriving during a
// render are coalesced into one). While a new frame renders, the previous one is drawn
// re-projected to the new zoom/pan, so interaction never waits for the renderer.
// Two render paths (docs/viewer.md): OpenGL, where a 3.3 context exists, draws every frame on the
// GPU (GlDisplayRenderer: a float texture and the OCIO view as a generated shader); elsewhere
// (the offscreen platform, no driver, or a GL failure) the CPU renders through a baked 3D LUT
// (core::LutDisplayTransform) that exposure changes reuse.
class ImageViewer : public QWidget {
    Q_OBJECT
public:
    explicit ImageViewer(QWidget* parent = nullptr);
    ~ImageViewer() override;

    void setOcioConfig(std::shared_ptr<const core::OcioConfig> config);
    void setDocument(DocumentPtr doc);        // image A; fits it to the view
    void setCompareDocument(DocumentPtr doc); // image B (nullptr: compare off)
    DocumentPtr document() const { return m_doc; }
    DocumentPtr compareDocument() const { return m_compareDoc; }
    void setDisplaySettings(const core::DisplaySettings& settings);
    const core::DisplaySettings& displaySettings() const { return m_settings; }
    void setCompareSplit(double fraction); // 0..1 of the widget width; A left, B right
    double compareSplit() const { return m_split; }

    void zoomToFit();
    void zoomOneToOne();
    void zoomBy(double factor, QPointF anchor); // anchor in widget coordinates
    double zoom() const { return m_viewport.zoom; }
    bool fitMode() const { return m_fit; }
    core::Viewport viewport() const { return m_viewport; }

    // The last frame rendered for the current state (Format_RGB32, widget size), for tests and
    // screenshots; null before the first frame.
    // On the GL path the frame is read back from the GPU (without the decorations).
    QImage currentFrame() const;
    bool frameIsCurrent() const;
    enum class RenderPath {
        OpenGl,  // GPU shader (where a context exists)
        CpuLut,  // CPU, baked 3D LUT + tetrahedral interpolation
        CpuExact // CPU, per-pixel DisplayTransform (the reference; exports use it too)
    };
    // The path frames take. The first is OpenGl where GlViewerSurface::contextAvailable(), else
    // CpuLut; HDR_VIEWER_PATH=cpu / cpu-exact / gl overrides it.
    RenderPath renderPath() const { return m_path; }
    // Asks for a path; OpenGl falls back to CpuLut where no context exists. Returns the path taken.
    RenderPath setRenderPath(RenderPath path);

    // Last render time of a full frame in milliseconds (GL: the draw call's CPU time).
    double lastRenderMs() const { return m_lastRenderMs; }
    QString lastError() const { return m_lastError; }

signals:
    void pixelProbed(const std::optional<hdr::core::PixelProbe>& probe, bool fromCompare);
    void frameRendered();
    void zoomChanged(double zoom);
    void renderFailed(const QString& message);

protected:
    void paintEvent(QPaintEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent* e) override;

private:
    struct RenderRequest;
    struct RenderResult;
    static std::shared_ptr<RenderResult> renderFrame(const RenderRequest& rq);
    static core::DisplaySettings settingsForDocument(const core::DisplaySettings& settings,
                                                     const ImageDocument& doc);
    core::Status drawGl(GlDisplayRenderer& renderer, QSize deviceSize, qreal devicePixelRatio);
    void paintDecorations(QPainter& p);
    void onGlDrawn();
    void onGlFailed(const QString& message);

    void requestRender();
    void startRender();
    void onRenderFinished();
    void updateFitViewport();
    void probeAt(QPointF pos);

    std::shared_ptr<const core::OcioConfig> m_ocio;
    std::shared_ptr<core::DisplayLutCache> m_lutCache = std::make_shared<core::DisplayLutCache>();
    RenderPath m_path = RenderPath::CpuLut;
    GlViewerSurface* m_gl = nullptr;
    DocumentPtr m_doc;
    DocumentPtr m_compareDoc;
    core::DisplaySettings m_settings;
    core::Viewport m_viewport;
    bool m_fit = true;
    double m_split = 0.5;

    QThreadPool m_renderPool;
    QFutureWatcher<std::shared_ptr<RenderResult>> m_watcher;
    quint64 m_generation = 0;      // bumped on every state change
    quint64 m_frameGeneration = 0; // generation of m_frame (GL: of the last frame drawn)
    quint64 m_glDrawGeneration = 0;
    bool m_renderInFlight = false;
    bool m_renderPending = false;
    QImage m_frame;
    core::Viewport m_frameViewport;
    double m_lastRenderMs = 0;
    QString m_lastError;

    bool m_panning = false;
    bool m_draggingSplit = false;
    QPointF m_lastMouse;
};

} // namespace hdr::ui
