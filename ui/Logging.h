#pragma once

#include <QLoggingCategory>

// One logging category per module, toggled with QT_LOGGING_RULES (e.g. "hdr.io.debug=true").
Q_DECLARE_LOGGING_CATEGORY(lcIo)
Q_DECLARE_LOGGING_CATEGORY(lcColor)
Q_DECLARE_LOGGING_CATEGORY(lcViewer)
Q_DECLARE_LOGGING_CATEGORY(lcJobs)
Q_DECLARE_LOGGING_CATEGORY(lcCore)

namespace hdr::ui {
// Routes hdr::core::log() into the categories above ("hdr.io" -> lcIo, ...).
void installCoreLogSink();
} // namespace hdr::ui
