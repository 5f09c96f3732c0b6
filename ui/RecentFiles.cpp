#include "ui/RecentFiles.h"

#include <QFileInfo>
#include <QSettings>

namespace hdr::ui {
namespace {
const QString kKey = QStringLiteral("recentFiles");
}

QStringList RecentFiles::files() const
{
    return QSettings().value(kKey).toStringList();
}

void RecentFiles::add(const QString& path)
{
    const QString abs = QFileInfo(path).absoluteFilePath();
    QStringList list = files();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMaxEntries) {
        list.removeLast();
    }
    QSettings().setValue(kKey, list);
}

void RecentFiles::remove(const QString& path)
{
    QStringList list = files();
    list.removeAll(QFileInfo(path).absoluteFilePath());
    QSettings().setValue(kKey, list);
}

void RecentFiles::clear()
{
    QSettings().remove(kKey);
}

} // namespace hdr::ui
