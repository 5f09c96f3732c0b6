#pragma once

#include "ui/viewer/ImageDocument.h"

#include <QPlainTextEdit>

namespace hdr::ui {

// Read-only facts about the current image: file, format, pixel type, colour space, luminance
// statistics and dynamic range, metadata attributes.
class ImageInfoPanel : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit ImageInfoPanel(QWidget* parent = nullptr);
    void setDocument(const DocumentPtr& doc);
};

// The same facts as text (shared with `hdrstudio-cli info`'s wording).
QString describeDocument(const ImageDocument& doc);

} // namespace hdr::ui
