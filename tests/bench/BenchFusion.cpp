// hdrstudio-cli bench fusion: Mertens exposure fusion of an N x M-megapixel 8-bit bracket against
// enfuse (process, weights pinned to 1,1,1, 16-bit TIFF out: ../shared/reference/hdr.md §1.7)
// and OpenCV MergeMertens(1,1,1) (tests/bench/peer_fusion.py, compute only), in one run.
#include "BenchFusion.h"

#include "BenchSupport.h"

#include "commandline/BracketFiles.h"
#include "common/Parallel.h"
#include "hdr/ExposureFusion.h"
#include "image/DemoScene.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

namespace hdr::cli {
namespace fs = std::filesystem;
namespace {

// Bilinear resize of a signal image (3 channels) to w x h.
core::ImageF resize(const core::ImageF& src, int w, int h)
{
    core::ImageF out(w, h, 3);
    const float sx = float(src.width()) / float(w), sy = float(src.height()) / float(h);
    core::parallelFor(std::size_t(h), 16, [&](std::size_t y0, std::size_t y1) {
        for (int y = int(y0); y < int(y1); ++y) {
            const float fy = std::clamp((float(y) + 0.5f) * sy - 0.5f, 0.0f, float(src.height() - 1));
            const int iy = std::min(int(fy), src.height() - 2 < 0 ? 0 : src.height() - 2);
            const float ty = fy - float(iy);
            for (int x = 0; x < w; ++x) {
                const float fx = std::clamp((float(x) + 0.5f) * sx - 0.5f, 0.0f, float(src.width() - 1));
                const int ix = std::min(int(fx), src.width() - 2 < 0 ? 0 : src.width() - 2);
                const float tx = fx - float(ix);
                for (int c = 0; c < 3; ++c) {
                    const float a = src.pixel(ix, iy)[c], b = src.pixel(ix + 1, iy)[c];
                    const float d = src.pixel(ix, iy + 1)[c], e = src.pixel(ix + 1, iy + 1)[c];
                    out.pixel(x, y)[c] = (a + (b - a) * tx) * (1 - ty) + (d + (e - d) * tx) * ty;
                }
            }
        }
    });
    return out;
}

} // namespace

int benchFusion(const Args& args, int repeat, const fs::path& dataDir)
{
    std::string numberError;
    const double megapixels = args.number("megapixels", numberError).value_or(12.0);
    const int count = int(args.number("images", numberError).value_or(4.0));
    if (!numberError.empty() || megapixels <= 0.01 || megapixels > 100 || count < 2 || count > 16) {
        return usageError("bench fusion: --megapixels 0.01..100, --images 2..16");
    }
    const int w = int(std::lround(std::sqrt(megapixels * 1e6 * 4.0 / 3.0))), h = w * 3 / 4;
    const fs::path tmp = fs::temp_directory_path() / ("hdr-bench-fusion-" + std::to_string(::getpid()));
    fs::create_directories(tmp);

    // Inputs: the St. Louis bracket upscaled, or the demo scene at 2-stop steps.
    const fs::path arch = dataDir / "brackets" / "stlouis_arch";
    const char* archNames[] = {"0_StLouisArchMultExpEV-4.72.jpeg",
                               "1_StLouisArchMultExpEV-1.82.jpeg",
                               "2_StLouisArchMultExpEV+1.18.jpeg",
                               "3_StLouisArchMultExpEV+4.09.jpeg"};
    std::vector<std::string> sources;
    for (int i = 0; i < count && fs::exists(arch / archNames[0]); ++i) {
        sources.push_back((arch / archNames[i % 4]).string());
    }
    std::vector<core::ImageF> signals;
    std::string origin;
    if (!sources.empty()) {
        auto loaded = readBracketSignals(sources, core::nullJobContext());
        if (!loaded) {
            return reportError(loaded.error());
        }
        signals = std::move(*loaded);
        origin = "stlouis_arch upscaled";
    } else {
        const core::ImageF scene = core::renderDemoScene(w, h);
        for (int i = 0; i < count; ++i) {
            core::ImageF s(w, h, 3);
            const float gain = std::exp2(-6.0f + 2.0f * float(i));
            for (std::int64_t p = 0; p < s.pixelCount() * 3; ++p) {
                s.data()[p] = std::min(1.0f, core::srgbEncode(scene.data()[p] * gain));
            }
            signals.push_back(std::move(s));
        }
        origin = "demo scene";
    }
    std::vector<std::string> files;
    for (int i = 0; i < count; ++i) {
        const core::ImageF sized = signals[std::size_t(i)].width() == w
                                       ? signals[std::size_t(i)]
                                       : resize(signals[std::size_t(i)], w, h);
        core::WriteOptions o;
        o.sampleType = core::SampleType::U8;
        o.jpegQuality = 95;
        o.overwrite = true;
        files.push_back((tmp / ("b" + std::to_string(i) + ".jpg")).string());
        if (auto ok = core::writeDisplayImage(quantizeSignal16(sized), files.back(), o); !ok) {
            return reportError(ok.error());
        }
    }
    signals.clear();
    std::printf("stack: %d x %d x %d images (%.1f MP each, 8-bit JPEG q95, %s); threads: %d\n",
                w,
                h,
                count,
                w * double(h) / 1e6,
                origin.c_str(),
                core::workerThreadCount());

    // Ours: read, fuse (best of repeat), write 16-bit TIFF; end-to-end = read + fuse + write.
    double t0 = monotonicSeconds();
    auto images = readBracketSignals(files, core::nullJobContext());
    if (!images) {
        return reportError(images.error());
    }
    const double readS = monotonicSeconds() - t0;
    double fuseS = 1e30;
    core::ImageF fused;
    for (int r = 0; r < repeat; ++r) {
        t0 = monotonicSeconds();
        auto f = core::fuseMertens(*images, core::MertensParams{}, core::nullJobContext());
        fuseS = std::min(fuseS, monotonicSeconds() - t0);
        if (!f) {
            return reportError(f.error());
        }
        fused = std::move(*f);
    }
    core::WriteOptions o16;
    o16.sampleType = core::SampleType::U16;
    o16.overwrite = true;
    t0 = monotonicSeconds();
    if (auto ok = core::writeDisplayImage(quantizeSignal16(fused), tmp / "ours16.tif", o16); !ok) {
        return reportError(ok.error());
    }
    const double writeS = monotonicSeconds() - t0;
    images->clear();
    const double oursEndToEnd = readS + fuseS + writeS;

    // enfuse: the hdr.md §1.7 command line (includes its own reading and writing).
    std::string fileArgs;
    for (const auto& f : files) {
        fileArgs += " '" + f + "'";
    }
    int status = 0;
    t0 = monotonicSeconds();
    runCapture("enfuse -d 16 --exposure-weight=1 --saturation-weight=1 --contrast-weight=1 -o '" +
                   (tmp / "enfuse16.tif").string() + "'" + fileArgs + " >/dev/null 2>&1",
               &status);
    const double enfuseS = status == 0 ? monotonicSeconds() - t0 : 0.0;

    // OpenCV MergeMertens(1,1,1): compute only, best of repeat.
    const std::string peer =
        runCapture("/usr/bin/python3 " HDR_SOURCE_DIR "/tests/bench/peer_fusion.py time --repeat " +
                       std::to_string(repeat) + " --threads " + std::to_string(core::workerThreadCount()) +
                       fileArgs + " 2>/dev/null",
                   &status);
    const auto peerJson = nlohmann::json::parse(peer, nullptr, false);
    const double cvFuseS = peerJson.is_object() ? peerJson.value("fuse_s", 0.0) : 0.0;
    const double cvReadS = peerJson.is_object() ? peerJson.value("read_s", 0.0) : 0.0;

    auto ratio = [](double peerS, double oursS) { return peerS > 0 && oursS > 0 ? peerS / oursS : 0.0; };
    std::printf("\n%-44s %9s %9s %7s\n", "task", "ours s", "peer s", "ratio");
    std::printf("%-44s %9.3f %9.3f %7.2f\n",
                "fusion only vs OpenCV MergeMertens(1,1,1)",
                fuseS,
                cvFuseS,
                ratio(cvFuseS, fuseS));
    std::printf("%-44s %9.3f %9.3f %7.2f\n",
                "read+fuse+write 16-bit TIFF vs enfuse -d 16",
                oursEndToEnd,
                enfuseS,
                ratio(enfuseS, oursEndToEnd));
    std::printf("%-44s %9.3f %9.3f %7.2f\n",
                "  (reading the JPEGs: ours vs OpenCV imread)",
                readS,
                cvReadS,
                ratio(cvReadS, readS));
    std::printf("%-44s %9.3f\n", "  (writing the 16-bit TIFF, ours)", writeS);
    if (enfuseS == 0.0) {
        std::printf("enfuse not run (not installed or failed)\n");
    }
    if (cvFuseS == 0.0) {
        std::printf("OpenCV peer not run (needs /usr/bin/python3 with cv2)\n");
    }
    std::printf("best of %d fusion runs; ratio = peer time / our time (> 1: we are faster)\n", repeat);
    fs::remove_all(tmp);
    return kExitOk;
}

} // namespace hdr::cli
