// hdrstudio-cli bench merge: LDR bracket -> HDR merge, in one run on the same inputs:
//   merge only      ours (sRGB response, Debevec triangle weights) vs OpenCV MergeDebevec with the
//                   same sRGB inverse-CRF LUT (tests/bench/peer_merge.py, compute only)
//   end to end      ours read + merge + write EXR vs the ../shared/reference/hdr.md §1.7 command lines:
//                   luminance-hdr-cli -e EVs --hdrModel debevec --hdrWeight triangular
//                   --hdrResponseCurve srgb -s OUT.exr, and
//                   pfsinhdrgen LIST | pfshdrcalibrate -c robertson -r gamma | pfsout OUT.exr
//                   (pfstools self-calibrates its curve: it does more work than a fixed-curve merge)
// Inputs: the St. Louis Arch bracket (4 x 5.9 MP JPEGs, 15 s … 1/30 s) from the shared data, or
// when that is absent a 4 x 12 MP bracket rendered from the demo scene at 2-stop steps.
#include "BenchMerge.h"

#include "BenchSupport.h"

#include "commandline/BracketFiles.h"
#include "common/Parallel.h"
#include "hdr/BracketMerge.h"
#include "image/DemoScene.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <unistd.h>

namespace hdr::cli {
namespace fs = std::filesystem;
namespace {

} // namespace

int benchMerge(const Args& /*args*/, int repeat, const fs::path& dataDir)
{
    const fs::path tmp = fs::temp_directory_path() / ("hdr-bench-merge-" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    std::vector<std::string> files;
    std::vector<double> times;
    std::string origin;
    const fs::path arch = dataDir / "brackets" / "stlouis_arch";
    if (fs::exists(arch / "0_StLouisArchMultExpEV-4.72.jpeg")) {
        for (const char* name : {"0_StLouisArchMultExpEV-4.72.jpeg",
                                 "1_StLouisArchMultExpEV-1.82.jpeg",
                                 "2_StLouisArchMultExpEV+1.18.jpeg",
                                 "3_StLouisArchMultExpEV+4.09.jpeg"}) {
            files.push_back((arch / name).string());
        }
        times = {1.0 / 30.0, 0.25, 2.0, 15.0}; // exposures.csv (EXIF)
        origin = "stlouis_arch JPEGs";
    } else {
        const int w = 4000, h = 3000;
        const core::ImageF scene = core::renderDemoScene(w, h);
        for (int i = 0; i < 4; ++i) {
            core::DisplayImage16 frame;
            frame.width = w;
            frame.height = h;
            frame.channels = 3;
            frame.transfer = core::Transfer::srgb();
            frame.pixels.resize(std::size_t(w) * h * 3);
            const float gain = std::exp2(-6.0f + 2.0f * float(i));
            for (std::size_t p = 0; p < frame.pixels.size(); ++p) {
                const float v = std::min(1.0f, core::srgbEncode(scene.data()[p] * gain));
                frame.pixels[p] = std::uint16_t(std::lround(v * 255.0f) * 257);
            }
            core::WriteOptions o;
            o.sampleType = core::SampleType::U8;
            o.jpegQuality = 95;
            o.overwrite = true;
            files.push_back((tmp / ("b" + std::to_string(i) + ".jpg")).string());
            if (auto ok = core::writeDisplayImage(frame, files.back(), o); !ok) {
                return reportError(ok.error());
            }
            times.push_back(std::exp2(-6.0 + 2.0 * i));
        }
        origin = "demo scene, JPEG q95";
    }
    const double reference = times[times.size() / 2];
    std::vector<double> exposure;
    for (double t : times) {
        exposure.push_back(t / reference);
    }

    // Ours: read, merge (best of repeat), write EXR.
    double t0 = monotonicSeconds();
    auto images = readBracketSignals(files, core::nullJobContext());
    if (!images) {
        return reportError(images.error());
    }
    const double readS = monotonicSeconds() - t0;
    const int w = (*images)[0].width(), h = (*images)[0].height();
    std::printf("bracket: %zu x %d x %d (%.1f MP each, %s); threads: %d\n",
                files.size(),
                w,
                h,
                w * double(h) / 1e6,
                origin.c_str(),
                core::workerThreadCount());
    core::MergeParams params;
    params.weighting = core::MergeWeighting::Debevec; // OpenCV's triangle
    double mergeS = 1e30;
    core::ImageF merged;
    for (int r = 0; r < repeat; ++r) {
        t0 = monotonicSeconds();
        auto m = core::mergeBrackets(*images, exposure, params, core::nullJobContext());
        mergeS = std::min(mergeS, monotonicSeconds() - t0);
        if (!m) {
            return reportError(m.error());
        }
        merged = std::move(*m);
    }
    images->clear();
    core::WriteOptions exrOptions;
    exrOptions.overwrite = true;
    t0 = monotonicSeconds();
    if (auto ok = core::writeImage(merged, tmp / "ours.exr", exrOptions); !ok) {
        return reportError(ok.error());
    }
    const double writeS = monotonicSeconds() - t0;
    const double oursEndToEnd = readS + mergeS + writeS;

    std::string fileArgs, timeArgs, evArgs;
    for (std::size_t i = 0; i < files.size(); ++i) {
        fileArgs += " " + shellQuoted(files[i]);
        char buf[64];
        std::snprintf(buf, sizeof buf, " %.9g", times[i]);
        timeArgs += buf;
        std::snprintf(buf, sizeof buf, "%s%.4f", i ? "," : "", std::log2(exposure[i]));
        evArgs += buf;
    }
    int status = 0;
    // OpenCV MergeDebevec, compute only.
    const std::string peer =
        runCapture("/usr/bin/python3 " HDR_SOURCE_DIR "/tests/bench/peer_merge.py time --repeat " +
                       std::to_string(repeat) + " --threads " + std::to_string(core::workerThreadCount()) +
                       fileArgs + " --times" + timeArgs + " 2>/dev/null",
                   &status);
    const auto peerJson = nlohmann::json::parse(peer, nullptr, false);
    const double cvMergeS = peerJson.is_object() ? peerJson.value("merge_s", 0.0) : 0.0;
    const double cvReadS = peerJson.is_object() ? peerJson.value("read_s", 0.0) : 0.0;

    // luminance-hdr-cli (process; reads, merges, writes EXR).
    t0 = monotonicSeconds();
    runCapture("QT_QPA_PLATFORM=offscreen luminance-hdr-cli -e " + evArgs +
                   " --hdrModel debevec --hdrWeight triangular --hdrResponseCurve srgb -s " +
                   shellQuoted((tmp / "lhdr.exr").string()) + fileArgs + " >/dev/null 2>&1",
               &status);
    const double lhdrS = status == 0 && fs::exists(tmp / "lhdr.exr") ? monotonicSeconds() - t0 : 0.0;

    // pfstools: hdrgen list "<file> <1/exposure_time> <aperture> <iso> 0" (pfsinhdrgen(1)).
    {
        std::ofstream list(tmp / "brackets.hdrgen");
        for (std::size_t i = 0; i < files.size(); ++i) {
            list << files[i] << " " << 1.0 / times[i] << " 1 100 0\n";
        }
    }
    t0 = monotonicSeconds();
    runCapture("(pfsinhdrgen " + shellQuoted((tmp / "brackets.hdrgen").string()) +
                   " | pfshdrcalibrate -c robertson -r gamma | pfsout " +
                   shellQuoted((tmp / "pfs.exr").string()) + ") >/dev/null 2>&1",
               &status);
    const double pfsS = status == 0 && fs::exists(tmp / "pfs.exr") ? monotonicSeconds() - t0 : 0.0;

    auto ratio = [](double peerS, double oursS) { return peerS > 0 && oursS > 0 ? peerS / oursS : 0.0; };
    std::printf("\n%-52s %9s %9s %7s\n", "task", "ours s", "peer s", "ratio");
    std::printf("%-52s %9.3f %9.3f %7.2f\n",
                "merge only vs OpenCV MergeDebevec (sRGB LUT)",
                mergeS,
                cvMergeS,
                ratio(cvMergeS, mergeS));
    std::printf("%-52s %9.3f %9.3f %7.2f\n",
                "read+merge+write EXR vs luminance-hdr-cli (debevec)",
                oursEndToEnd,
                lhdrS,
                ratio(lhdrS, oursEndToEnd));
    std::printf("%-52s %9.3f %9.3f %7.2f\n",
                "read+merge+write EXR vs pfsinhdrgen|pfshdrcalibrate",
                oursEndToEnd,
                pfsS,
                ratio(pfsS, oursEndToEnd));
    std::printf("%-52s %9.3f %9.3f %7.2f\n",
                "  (reading the JPEGs: ours vs OpenCV imread)",
                readS,
                cvReadS,
                ratio(cvReadS, readS));
    std::printf("%-52s %9.3f\n", "  (writing the half-float EXR, ours)", writeS);
    if (cvMergeS == 0.0) {
        std::printf("OpenCV peer not run (needs /usr/bin/python3 with cv2)\n");
    }
    if (lhdrS == 0.0) {
        std::printf("luminance-hdr-cli not run (not installed or failed)\n");
    }
    if (pfsS == 0.0) {
        std::printf("pfstools not run (not installed or failed)\n");
    }
    std::printf(
        "best of %d merge runs; peers' process times include their own reading and writing;\n"
        "pfshdrcalibrate also self-calibrates (Robertson); ratio = peer / ours (> 1: we are faster)\n",
        repeat);
    fs::remove_all(tmp);
    return kExitOk;
}

} // namespace hdr::cli
