#pragma once
// Thumbnails and loupe images for the gallery, decoded on the I/O pool and cached in memory.
// Requests are served newest first (what is on screen now) with at most two decodes in flight, so
// scrolling through thousands of candidates never floods the pool that sidecar writes also use.
// 8-bit files go through QImageReader (scaled while reading); float files (EXR, HDR) through
// core::readImage, clipped to sRGB.
#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSize>
#include <QString>

#include <vector>

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

// Worker-thread half: `path` decoded and scaled to fit `bound` (keeping the aspect ratio; an
// invalid bound keeps the full size). A null image when the file cannot be read.
QImage loadImageScaled(const QString& path, QSize bound);

class ImageLoader : public QObject {
    Q_OBJECT
public:
    explicit ImageLoader(core::JobManager* jobs, QObject* parent = nullptr);
    ~ImageLoader() override;

    // The longest side of thumbnails (device pixels). Changing it empties the thumbnail cache.
    void setThumbnailSide(int side);
    int thumbnailSide() const { return m_side; }

    // The cached thumbnail, or a null image after queueing its decode (thumbnailReady follows).
    QImage thumbnail(const QString& path);
    // The cached large image, or a null image after queueing it (imageReady follows).
    QImage image(const QString& path, QSize bound);
    void forget(const QString& path); // the file changed or moved
    void clear();
    int pendingCount() const { return int(m_wanted.size()) + m_inFlight; }

signals:
    void thumbnailReady(const QString& path);
    void imageReady(const QString& path);

private:
    struct Request {
        QString path;
        QSize bound;
        bool large = false;
    };
    void want(Request request);
    void startMore();
    void finished(const Request& request, const QImage& image, int generation);

    core::JobManager* m_jobs;
    int m_side = 192;
    int m_generation = 0;          // bumped by clear(): results of older requests are dropped
    std::vector<Request> m_wanted; // newest at the back
    QHash<QString, bool> m_queued; // key -> in m_wanted or in flight
    int m_inFlight = 0;
    QCache<QString, QImage> m_thumbnails; // cost in KiB
    QCache<QString, QImage> m_large;
};

} // namespace hdr::ui
