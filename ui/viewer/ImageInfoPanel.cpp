#include "ui/viewer/ImageInfoPanel.h"

#include <QFontDatabase>

namespace hdr::ui {

ImageInfoPanel::ImageInfoPanel(QWidget* parent)
    : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
}

void ImageInfoPanel::setDocument(const DocumentPtr& doc)
{
    setPlainText(doc ? describeDocument(*doc) : QString());
}

QString describeDocument(const ImageDocument& doc)
{
    const core::ImageF& img = doc.image();
    const core::ImageMetadata& m = img.metadata;
    const core::LuminanceStats& s = doc.stats;
    QString t;
    auto line = [&t](const QString& k, const QString& v) {
        t += k.leftJustified(14) + v + QLatin1Char('\n');
    };
    line(QStringLiteral("File"), doc.path.isEmpty() ? doc.displayName : doc.path);
    line(QStringLiteral("Format"), QString::fromStdString(m.sourceFormat));
    line(QStringLiteral("Size"), QStringLiteral("%1 x %2").arg(img.width()).arg(img.height()));
    QStringList channels;
    for (const auto& c : m.sourceChannels) {
        channels << QString::fromStdString(c);
    }
    line(QStringLiteral("Channels"),
         channels.isEmpty() ? QString::number(img.channels()) : channels.join(QStringLiteral(", ")));
    line(QStringLiteral("Pixel type"), QString::fromStdString(m.sourcePixelType));
    if (!m.sourceCompression.empty()) {
        line(QStringLiteral("Compression"), QString::fromStdString(m.sourceCompression));
    }
    line(QStringLiteral("Colour space"),
         QString::fromStdString(img.colorSpace.name()) + QStringLiteral(" (scene-linear)"));
    line(QStringLiteral("Luminance"),
         QStringLiteral("min %1  max %2  mean %3")
             .arg(s.minLuminance, 0, 'g', 4)
             .arg(s.maxLuminance, 0, 'g', 5)
             .arg(s.meanLuminance, 0, 'g', 4));
    line(QStringLiteral("Dyn. range"),
         QStringLiteral("%1 stops (robust p0.1-p99.9: %2 stops)")
             .arg(s.dynamicRangeStops, 0, 'f', 1)
             .arg(s.robustDynamicRangeStops, 0, 'f', 1));
    if (s.nanCount || s.infCount) {
        line(QStringLiteral("Non-finite"),
             QStringLiteral("%1 NaN, %2 Inf pixels").arg(s.nanCount).arg(s.infCount));
    }
    if (!m.iccProfile.empty()) {
        line(QStringLiteral("ICC profile"), QStringLiteral("%1 bytes (applied)").arg(m.iccProfile.size()));
    }
    for (const auto& [k, v] : m.attributes) {
        line(QString::fromStdString(k), QString::fromStdString(v).left(300));
    }
    return t;
}

} // namespace hdr::ui
