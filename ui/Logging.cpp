#include "ui/Logging.h"

#include "common/Log.h"

#include <QString>

Q_LOGGING_CATEGORY(lcIo, "hdr.io")
Q_LOGGING_CATEGORY(lcColor, "hdr.color")
Q_LOGGING_CATEGORY(lcViewer, "hdr.viewer")
Q_LOGGING_CATEGORY(lcJobs, "hdr.jobs")
Q_LOGGING_CATEGORY(lcCore, "hdr.core")

namespace hdr::ui {

void installCoreLogSink()
{
    core::setLogSink([](core::LogLevel level, std::string_view category, std::string_view message) {
        const QLoggingCategory& cat = category == "hdr.io"      ? lcIo()
                                      : category == "hdr.color" ? lcColor()
                                      : category == "hdr.jobs"  ? lcJobs()
                                                                : lcCore();
        const QString text = QString::fromUtf8(message.data(), qsizetype(message.size()));
        switch (level) {
        case core::LogLevel::Debug: qCDebug(cat).noquote() << text; break;
        case core::LogLevel::Info: qCInfo(cat).noquote() << text; break;
        case core::LogLevel::Warning: qCWarning(cat).noquote() << text; break;
        case core::LogLevel::Error: qCCritical(cat).noquote() << text; break;
        }
    });
}

} // namespace hdr::ui
