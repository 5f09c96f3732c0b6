#pragma once

#include "common/Error.h"

#include <QOpenGLWidget>

#include <functional>
#include <memory>

class QPainter;

namespace hdr::ui {

class GlDisplayRenderer;

// The OpenGL surface of ImageViewer: a child covering the viewer that draws its frames with
// GlDisplayRenderer, then the viewer's decorations (split line, labels) with QPainter. Mouse and
// wheel events pass through to the viewer. Only created where a GL 3.3 context can be made.
class GlViewerSurface : public QOpenGLWidget {
    Q_OBJECT
public:
    // draw(renderer, device size, device pixel ratio): the GL part of a frame; decorate: the rest.
    using DrawFn = std::function<core::Status(GlDisplayRenderer&, QSize, qreal)>;
    using DecorateFn = std::function<void(QPainter&)>;
    GlViewerSurface(QWidget* parent, DrawFn draw, DecorateFn decorate);
    ~GlViewerSurface() override;

    // The frame without decorations, rendered now (Format_RGB32, device pixels).
    QImage grabPlainFrame();
    double lastDrawMs() const { return m_lastDrawMs; }

    // Whether an OpenGL 3.3 core context can be created here (false on the offscreen and
    // minimal platforms, or without a driver); `reason` says why not. Probed once.
    static bool contextAvailable(QString* reason = nullptr);

signals:
    void drawn();                        // a frame was painted
    void failed(const QString& message); // the GL path cannot draw: fall back to the CPU

protected:
    void initializeGL() override;
    void paintGL() override;

private:
    void releaseRenderer();

    DrawFn m_draw;
    DecorateFn m_decorate;
    std::unique_ptr<GlDisplayRenderer> m_renderer;
    bool m_plain = false;
    bool m_failed = false;
    double m_lastDrawMs = 0;
};

} // namespace hdr::ui
