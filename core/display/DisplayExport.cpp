#include "display/DisplayExport.h"

#include "common/Parallel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

namespace hdr::core {

Result<DisplayImage16>
renderDisplayImage(const ImageF& image, const DisplayTransform& transform, JobContext& ctx)
{
    return guarded(ErrorCode::Internal, {}, [&] {
        DisplayImage16 out;
        out.width = image.width();
        out.height = image.height();
        out.channels = image.channels();
        out.transfer = transform.outputTransfer();
        out.primaries = transform.outputPrimaries();
        out.metadata = image.metadata;
        out.metadata.iccProfile.clear();
        out.pixels.resize(std::size_t(image.pixelCount()) * std::size_t(out.channels));
        std::atomic<int> rowsDone{0};
        const int ch = image.channels();
        parallelFor(std::size_t(image.height()), 16, [&](std::size_t y0, std::size_t y1) {
            std::vector<float> signal(std::size_t(image.width()) * 3);
            for (std::size_t y = y0; y < y1; ++y) {
                throwIfCancelled(ctx);
                const float* src = image.row(int(y));
                transform.toSignal(src, ch, std::size_t(image.width()), signal.data());
                std::uint16_t* dst = out.row(int(y));
                for (int x = 0; x < image.width(); ++x) {
                    for (int c = 0; c < 3; ++c) {
                        const float v = std::clamp(signal[std::size_t(x) * 3 + std::size_t(c)], 0.0f, 1.0f);
                        dst[std::size_t(x) * ch + std::size_t(c)] = std::uint16_t(std::lround(v * 65535.0f));
                    }
                    if (ch == 4) {
                        const float a = src[std::size_t(x) * 4 + 3];
                        dst[std::size_t(x) * 4 + 3] = std::uint16_t(
                            std::lround(std::clamp(std::isnan(a) ? 0.0f : a, 0.0f, 1.0f) * 65535.0f));
                    }
                }
            }
            const int done = rowsDone.fetch_add(int(y1 - y0)) + int(y1 - y0);
            ctx.setProgress(double(done) / image.height(), "Rendering display image");
        });
        return out;
    });
}

} // namespace hdr::core
