#include "BenchGainMap.h"

#include "common/Parallel.h"
#include "gainmap/UltraHdrContainer.h"
#include "io/UltraHdr.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace hdr::cli {
namespace fs = std::filesystem;
namespace {

template <typename Fn> double bestSeconds(int repeat, Fn&& fn)
{
    double best = 1e30;
    for (int i = 0; i < repeat; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

// A 4:3 scene with 10 stops of smooth ramps and a few very bright discs (sun, lamps).
core::ImageF benchScene(int w, int h)
{
    core::ImageF image(w, h, 3);
    core::parallelFor(std::size_t(h), 16, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            for (int x = 0; x < w; ++x) {
                const float u = float(x) / float(w), v = float(y) / float(h);
                const float base =
                    std::exp2(-5.0f + 7.0f * u) * (0.6f + 0.4f * std::sin(12.0f * v + 3.0f * u));
                const float dx = u - 0.7f, dy = v - 0.3f;
                const float sun = 60.0f * std::exp(-(dx * dx + dy * dy) * 400.0f);
                float* p = image.pixel(x, int(y));
                p[0] = base * 1.1f + sun;
                p[1] = base + sun * 0.9f;
                p[2] = base * (0.7f + 0.3f * v) + sun * 0.7f;
            }
        }
    });
    return image;
}

} // namespace

int benchGainMap(const Args& args, int repeat)
{
    std::string numberError;
    const double megapixels = args.number("megapixels", numberError).value_or(12.0);
    if (!numberError.empty() || megapixels <= 0.01 || megapixels > 100) {
        return usageError("--megapixels must be between 0.01 and 100");
    }
    const int w = int(std::lround(std::sqrt(megapixels * 1e6 * 4 / 3))), h = w * 3 / 4;
    const double mp = double(w) * h / 1e6;
    std::fprintf(stderr,
                 "bench gainmap: %dx%d (%.1f MP), %d threads, best of %d\n",
                 w,
                 h,
                 mp,
                 core::workerThreadCount(),
                 repeat);
    const core::ImageF scene = benchScene(w, h);
    core::UltraHdrWriteOptions options; // libultrahdr-like: 1 channel at 1/4 size
    options.encode.channels = 1;
    options.encode.scale = 4;

    std::vector<std::uint8_t> bytes;
    const double encodeS = bestSeconds(repeat, [&] {
        auto r = core::encodeUltraHdr(scene, nullptr, options);
        if (r) {
            bytes = std::move(*r);
        }
    });
    if (bytes.empty()) {
        return reportError({core::ErrorCode::Internal, "encoding failed", "bench"});
    }
    core::ImageF hdr;
    const double decodeS = bestSeconds(repeat, [&] {
        auto c = core::decodeGainMapJpeg(bytes, {}, "bench");
        if (c) {
            hdr = std::move(*core::combineGainMapJpeg(std::move(*c), std::nullopt));
        }
    });
    auto contents = core::decodeGainMapJpeg(bytes, {}, "bench");
    if (!contents || hdr.empty()) {
        return reportError({core::ErrorCode::Internal, "decoding failed", "bench"});
    }
    const double applyS = bestSeconds(repeat, [&] {
        (void)core::applyGainMap(contents->base, contents->map, contents->metadata, std::nullopt);
    });
    // The encode formula alone (luminance, 4x4 block averages, log2 gain, normalise), on the
    // decoded HDR and its base: the same inputs the numpy peer gets.
    const double encodeFormulaS =
        bestSeconds(repeat, [&] { (void)core::encodeGainMap(hdr, contents->base, options.encode); });
    double ourMean = 0;
    for (std::size_t i = 0, n = std::size_t(hdr.pixelCount()) * 3; i < n; ++i) {
        ourMean += hdr.data()[i];
    }
    ourMean /= double(hdr.pixelCount()) * 3;

    // Peer: numpy + OpenCV doing the same decode (JPEG decode, sRGB linearisation, bilinear map
    // upsampling, formula) and the encode formula, on the same file.
    const fs::path file =
        fs::temp_directory_path() / ("hdr-bench-gainmap-" + std::to_string(::getpid()) + ".jpg");
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    const auto parts = core::findGainMapJpeg(bytes);
    const auto& m = contents->metadata;
    nlohmann::json request = {{"file", file.string()},
                              {"gain_map_offset", parts ? parts->gainMap.data() - bytes.data() : 0},
                              {"gain_map_min", m.gainMapMin[0]},
                              {"gain_map_max", m.gainMapMax[0]},
                              {"gamma", m.gamma[0]},
                              {"offset_sdr", m.offsetSdr[0]},
                              {"offset_hdr", m.offsetHdr[0]},
                              {"repeat", repeat}};
    const std::string cmd =
        "/usr/bin/python3 " HDR_SOURCE_DIR "/tests/bench/peer_gainmap.py '" + request.dump() + "'";
    nlohmann::json peer = nlohmann::json::object();
    if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
        std::string text;
        char buf[4096];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) {
            text.append(buf, n);
        }
        ::pclose(pipe);
        peer = nlohmann::json::parse(text, nullptr, false);
    }
    fs::remove(file);
    if (peer.is_discarded() || !peer.is_object()) {
        std::fprintf(stderr, "hdrstudio-cli: numpy peer failed; reporting our figures only\n");
        peer = nlohmann::json::object();
    }
    auto get = [&](const char* key) { return peer.contains(key) ? peer[key].get<double>() : 0.0; };
    const double peerDecode = get("decode_s"), peerApply = get("apply_s"),
                 peerEncode = get("encode_formula_s");
    auto ratio = [](double theirs, double ours) { return theirs > 0 && ours > 0 ? theirs / ours : 0.0; };

    std::printf("Ultra HDR %dx%d (%.1f MP), 1-channel gain map at 1/4 size, file %.2f MB\n",
                w,
                h,
                mp,
                double(bytes.size()) / 1e6);
    std::printf("%-34s %9s %9s %10s %8s\n", "step", "ours ms", "MP/s", "numpy ms", "ratio");
    std::printf("%-34s %9.1f %9.1f %10s %8s\n",
                "encode (tone map, 2 JPEGs, map)",
                encodeS * 1e3,
                mp / encodeS,
                "-",
                "-");
    std::printf("%-34s %9.1f %9.1f %10.1f %8.2f\n",
                "encode formula only",
                encodeFormulaS * 1e3,
                mp / encodeFormulaS,
                peerEncode * 1e3,
                ratio(peerEncode, encodeFormulaS));
    std::printf("%-34s %9.1f %9.1f %10.1f %8.2f\n",
                "decode (2 JPEGs + ICC + apply)",
                decodeS * 1e3,
                mp / decodeS,
                peerDecode * 1e3,
                ratio(peerDecode, decodeS));
    std::printf("%-34s %9.1f %9.1f %10.1f %8.2f\n",
                "apply gain map only",
                applyS * 1e3,
                mp / applyS,
                peerApply * 1e3,
                ratio(peerApply, applyS));
    if (peer.contains("mean")) {
        std::printf("mean HDR value: ours %.6f, numpy %.6f (relative difference %.2g)\n",
                    ourMean,
                    get("mean"),
                    std::fabs(ourMean - get("mean")) / std::max(1e-12, ourMean));
    }
    if (args.flag("json")) {
        nlohmann::json report = {{"megapixels", mp},
                                 {"encode_s", encodeS},
                                 {"decode_s", decodeS},
                                 {"apply_s", applyS},
                                 {"peer_decode_s", peerDecode},
                                 {"peer_apply_s", peerApply},
                                 {"peer_encode_formula_s", peerEncode},
                                 {"encode_formula_s", encodeFormulaS}};
        std::printf("%s\n", report.dump(2).c_str());
    }
    return kExitOk;
}

} // namespace hdr::cli
