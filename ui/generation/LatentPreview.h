#pragma once

#include "common/JobContext.h"

#include <QImage>
#include <QWidget>

namespace hdr::ui {

// The running job's latest latent preview (core::PreviewFrame: a few dozen pixels of 8-bit sRGB
// approximated from the latents), scaled up smoothly into a fixed square, aspect kept.
class LatentPreview : public QWidget {
    Q_OBJECT
public:
    explicit LatentPreview(QWidget* parent = nullptr);

    void setFrame(const core::PreviewFrame& frame);
    void setCaption(const QString& caption);
    void clear();

    bool hasFrame() const { return !m_image.isNull(); }
    int framesShown() const { return m_framesShown; }
    QImage image() const { return m_image; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* e) override;

private:
    QImage m_image;
    QString m_caption;
    int m_framesShown = 0;
};

} // namespace hdr::ui
