#pragma once

#include <QStringList>

namespace hdr::ui {

// Most-recently-opened files, persisted with QSettings (newest first, at most 10, no duplicates).
class RecentFiles {
public:
    static constexpr int kMaxEntries = 10;
    QStringList files() const;
    void add(const QString& path);
    void remove(const QString& path);
    void clear();
};

} // namespace hdr::ui
