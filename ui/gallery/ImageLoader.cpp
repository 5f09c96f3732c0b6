#include "ui/gallery/ImageLoader.h"

#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "jobs/JobManager.h"

#include <QImageReader>
#include <QPointer>

#include <algorithm>

namespace hdr::ui {
namespace {

constexpr int kMaxInFlight = 2;
constexpr std::size_t kMaxWanted = 256; // older requests drop off; a repaint asks again
constexpr int kLargeSide = 4096;        // loupe images: enough for a 4K view, bounded memory
constexpr int kThumbnailCacheKiB = 256 * 1024;
constexpr int kLargeCacheKiB = 384 * 1024;

QString keyOf(const QString& path, bool large)
{
    return (large ? QStringLiteral("l:") : QStringLiteral("t:")) + path;
}

int costKiB(const QImage& image)
{
    return std::max(1, int(image.sizeInBytes() / 1024));
}

// Float files: scene-linear, clipped and sRGB-encoded for a preview.
QImage fromFloatFile(const QString& path)
{
    auto image = core::readImage(path.toStdString());
    if (!image || image->empty()) return {};
    core::ImageF rgb = image->colorSpace == core::LinearColorSpace{} ? std::move(*image)
                                                                     : core::convertPrimaries(*image, {});
    const int channels = rgb.channels();
    QImage out(rgb.width(), rgb.height(), QImage::Format_RGB32);
    for (int y = 0; y < rgb.height(); ++y) {
        auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
        const float* p = rgb.row(y);
        for (int x = 0; x < rgb.width(); ++x, p += channels) {
            int v[3];
            for (int c = 0; c < 3; ++c) {
                const float linear = p[channels >= 3 ? c : 0];
                const float encoded = core::srgbEncode(std::clamp(linear, 0.0f, 1.0f));
                v[c] = int(encoded * 255.0f + 0.5f);
            }
            line[x] = qRgb(v[0], v[1], v[2]);
        }
    }
    return out;
}

} // namespace

QImage loadImageScaled(const QString& path, QSize bound)
{
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QSize size = reader.size();
    if (bound.isValid() && size.isValid() &&
        (size.width() > bound.width() || size.height() > bound.height())) {
        reader.setScaledSize(size.scaled(bound, Qt::KeepAspectRatio));
    }
    QImage image = reader.read();
    if (image.isNull()) {
        image = fromFloatFile(path);
        if (!image.isNull() && bound.isValid() &&
            (image.width() > bound.width() || image.height() > bound.height())) {
            image = image.scaled(bound, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        }
    }
    if (image.isNull()) return {};
    return image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
}

ImageLoader::ImageLoader(core::JobManager* jobs, QObject* parent)
    : QObject(parent)
    , m_jobs(jobs)
    , m_thumbnails(kThumbnailCacheKiB)
    , m_large(kLargeCacheKiB)
{
}

ImageLoader::~ImageLoader() = default;

void ImageLoader::setThumbnailSide(int side)
{
    side = std::clamp(side, 32, 1024);
    if (side == m_side) return;
    m_side = side;
    m_thumbnails.clear();
    ++m_generation;
    m_wanted.clear();
    m_queued.clear();
}

QImage ImageLoader::thumbnail(const QString& path)
{
    if (const QImage* cached = m_thumbnails.object(path)) return *cached;
    want({path, QSize(m_side, m_side), false});
    return {};
}

QImage ImageLoader::image(const QString& path, QSize bound)
{
    Q_UNUSED(bound); // large images are kept at up to kLargeSide and scaled when painted
    if (const QImage* cached = m_large.object(path)) return *cached;
    want({path, QSize(kLargeSide, kLargeSide), true});
    return {};
}

void ImageLoader::forget(const QString& path)
{
    m_thumbnails.remove(path);
    m_large.remove(path);
}

void ImageLoader::clear()
{
    m_thumbnails.clear();
    m_large.clear();
    m_wanted.clear();
    m_queued.clear();
    ++m_generation;
}

void ImageLoader::want(Request request)
{
    const QString key = keyOf(request.path, request.large);
    if (m_queued.contains(key)) {
        // Asked again: move it to the front of the line (the back of the vector).
        auto it = std::find_if(m_wanted.begin(), m_wanted.end(), [&](const Request& r) {
            return r.large == request.large && r.path == request.path;
        });
        if (it != m_wanted.end()) std::rotate(it, it + 1, m_wanted.end());
        return;
    }
    m_queued.insert(key, true);
    m_wanted.push_back(std::move(request));
    if (m_wanted.size() > kMaxWanted) {
        m_queued.remove(keyOf(m_wanted.front().path, m_wanted.front().large));
        m_wanted.erase(m_wanted.begin());
    }
    startMore();
}

void ImageLoader::startMore()
{
    while (m_inFlight < kMaxInFlight && !m_wanted.empty()) {
        Request request = std::move(m_wanted.back());
        m_wanted.pop_back();
        ++m_inFlight;
        QPointer<ImageLoader> self(this);
        core::JobManager* jobs = m_jobs;
        const int generation = m_generation;
        m_jobs->pool(core::JobResource::Io).start([self, jobs, request, generation] {
            QImage image;
            try {
                image = loadImageScaled(request.path, request.bound);
            } catch (...) {
                // an unreadable file shows as a placeholder
            }
            QMetaObject::invokeMethod(
                jobs,
                [self, request, image = std::move(image), generation] {
                    if (self) self->finished(request, image, generation);
                },
                Qt::QueuedConnection);
        });
    }
}

void ImageLoader::finished(const Request& request, const QImage& image, int generation)
{
    --m_inFlight;
    if (generation == m_generation) {
        m_queued.remove(keyOf(request.path, request.large));
        // An unreadable file is cached as a 1x1 placeholder so it is not decoded on every paint.
        QImage stored = image.isNull() ? QImage(1, 1, QImage::Format_ARGB32_Premultiplied) : image;
        if (image.isNull()) stored.fill(Qt::transparent);
        QCache<QString, QImage>& cache = request.large ? m_large : m_thumbnails;
        const int cost = costKiB(stored);
        cache.insert(request.path, new QImage(std::move(stored)), cost);
        if (request.large) {
            emit imageReady(request.path);
        } else {
            emit thumbnailReady(request.path);
        }
    }
    startMore();
}

} // namespace hdr::ui
