#include "BenchCommand.h"
#include "BenchFusion.h"
#ifdef HDR_WITH_DIFFUSION
#include "BenchDiffusion.h"
#include "BenchEsrgan.h"
#endif
#ifdef HDR_WITH_TRAINING
#include "BenchItm.h"
#endif
#include "BenchMerge.h"
#include "BenchStartup.h"
#include "BenchSupport.h"
#ifdef HDR_WITH_DIFFUSION
#include "BenchBrackets.h"
#include "BenchGainMapDiffusion.h"
#endif
#include "BenchGainMap.h"
#include "BenchToneMap.h"
#include "BenchViewer.h"
#include "color/Ocio.h"
#include "commandline/CliCommon.h"
#include "common/Parallel.h"
#include "io/ImageIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace hdr::cli {
namespace fs = std::filesystem;
namespace {

const CommandSpec kSpec{
    "bench",
    "io|viewer|fusion|merge|gainmap|tonemap|startup|unet|gm|brackets|esrgan|itm [options]",
    "Benchmarks, with the peers measured in the same run (ratios > 1 mean HDR Studio is faster).",
    "io:     EXR read and write (half, ZIP) against OpenImageIO (library via python3-openimageio, and the\n"
    "        oiiotool process) and Radiance RGBE read against OpenCV imread, on the shared data files.\n"
    "gainmap: Ultra HDR encode/decode of a 12 MP image (--megapixels) against numpy/OpenCV doing the same.\n"
    "fusion: Mertens exposure fusion of a 4 x 12 MP 8-bit bracket against enfuse and OpenCV MergeMertens.\n"
    "merge:  bracket merge to HDR (St. Louis 4 x 5.9 MP) vs OpenCV MergeDebevec, luminance-hdr-cli, "
    "pfstools.\n"
    "tonemap: operators on a 12 MP float EXR against OpenCV Tonemap* (compute) and luminance-hdr-cli / "
    "pfstmo_*\n"
    "        (whole commands, EXR in, 8-bit image out).\n"
    "viewer: ms per viewer frame after an exposure change on a 4K image (fit and 1:1 1920x1080, 3840x2160):\n"
    "        the exact CPU path vs the baked-LUT CPU path, and the OpenGL path where a context exists\n"
    "        (headless: run under xvfb-run).\n"
    "gm:     one gain-map diffusion step (SDR UNet CFG batch 2 + gain-map UNet batch 1) against one plain\n"
    "        CFG step, SD 1.5 shapes (--latent 64 = 512x512), random weights.\n"
    "unet:   one denoising step (UNet, CFG batch 2) and a VAE decode of SD1.5 at 512x512 (--arch sdxl:\n"
    "        SDXL at 1024x1024), fp32 and bf16, random weights in the real shapes; seconds, GFLOP/s vs\n"
    "        the measured peak, peak resident memory; SD1.5 against PyTorch (tests/bench/torch_unet.py)\n"
    "        on the same weights.\n"
    "esrgan: ESRGAN x4 (RRDBNet: 64 features, 23 blocks, growth 32; random weights written as a\n"
    "        BasicSR .safetensors) on a 256x256 image (--size), whole image: ours (core/upscale) vs the\n"
    "        same network in PyTorch (tests/bench/peer_esrgan.py, same file); seconds (best of --repeat,\n"
    "        default 2), peak RSS. Then the tiled stage-3 upscale (--tile, default 128) of half, once and\n"
    "        twice --size (--tiled-sizes), each in a child process: its peak RSS as the image grows.\n"
    "        About 6 min on 2 cores; --size 512 (tiled 256, 512, 1024) about 30 min.\n"
    "itm:    training steps/s of the LDR -> HDR network (core/itm: forward, hybrid loss, backward, Adam\n"
    "        lr 1e-3) on random batches (--batch 8 of --tile 64 px tiles, --steps 30 timed) vs the same\n"
    "        network and loop in PyTorch (tests/bench/peer_itm.py), same initial weights and batches.\n"
    "startup: wall time (best, median of --repeat, default 10) of `hdrstudio-cli info FILE` vs\n"
    "        `oiiotool --info FILE` (and --info --stats) on exr/Carrots.exr (--file), of\n"
    "        `hdrstudio-cli model-info --help` (loads the libtorch engine) and `hdrstudio --version`;\n"
    "        the programs next to this tool's build (--cli PATH for another hdrstudio-cli).",
    {{"data", "DIR", "shared data folder (default: ../shared/data next to the source tree)"},
     {"repeat", "N", "runs per measurement; the best is reported (default 5)"},
     {"file", "PATH", "viewer: use this image instead of the 4K demo scene; startup: the EXR to read"},
     {"json", "", "print JSON"},
     {"megapixels", "MP", "fusion: megapixels per bracket image (default 12)"},
     {"images", "N", "fusion: images in the bracket (default 4)"},
     {"skip-peer", "", "unet, esrgan, itm: do not run the PyTorch peer"},
     {"no-bf16", "", "unet: fp32 only"},
     {"dtype", "TYPE", "unet: fp32, bf16 or both (default both)"},
     {"arch", "ARCH", "unet: sd15 (default) or sdxl"},
     {"latent", "N", "unet: latent size (default 64 = 512x512; SDXL 128 = 1024x1024)"},
     {"threads", "N", "unet, esrgan, itm: torch threads (default all; the peer gets the same)"},
     {"attention", "KIND", "unet: baddbmm or chunked (default: automatic)"},
     {"nchw", "", "unet: keep NCHW activations (default channels-last)"},
     {"no-vae", "", "unet: UNet only"},
     {"no-unet", "", "unet: VAE only"},
     {"vae-tile", "PX", "unet: decode the VAE in tiles of PX pixels (as generate --vae-tile)"},
     {"steps", "N", "gm: denoising steps timed (default 2); itm: training steps timed (default 30)"},
     {"size", "PX", "esrgan: input image side for the ours-vs-PyTorch pass (default 256)"},
     {"tile", "PX", "esrgan: tiled-upscale tile (default 128; 0: whole image); itm: tile (default 64)"},
     {"tiled-sizes", "LIST", "esrgan: tiled-table input sides (default size/2,size,2*size; none: skip)"},
     {"batch", "N", "itm: tiles per batch (default 8)"},
     {"cli", "PATH", "startup: the hdrstudio-cli to time (default: build/<preset>/app/hdrstudio-cli)"},
     {"child", "PX", "esrgan (internal): run one tiled upscale of PX x PX here, print its peak RSS as JSON"},
     {"weights", "PATH", "esrgan (internal, with --child): the weights file"}},
    1,
    1};

std::vector<std::string> filesIn(const fs::path& dir, const std::vector<std::string>& names)
{
    std::vector<std::string> out;
    for (const auto& n : names) {
        if (fs::exists(dir / n)) {
            out.push_back((dir / n).string());
        }
    }
    return out;
}

int benchIo(const Args& args, int repeat)
{
    const fs::path data = args.value("data").value_or(HDR_SHARED_DIR "/data");
    const auto exrFiles = filesIn(data / "exr",
                                  {"comp_none.exr",
                                   "comp_zip.exr",
                                   "comp_piz.exr",
                                   "comp_dwaa_v2.exr",
                                   "GoldenGate.exr",
                                   "Adjuster.exr"});
    const auto rgbeFiles =
        filesIn(data / "rgbe", {"mpi_atrium_3.hdr", "radiance_flower.hdr", "radiance_test.hdr"});
    if (exrFiles.empty() && rgbeFiles.empty()) {
        return reportError(
            {core::ErrorCode::IoError, "no benchmark files found; pass --data DIR", data.string()});
    }
    // Peers, same files, same repeat count, same thread count.
    std::string cmd = "/usr/bin/python3 " HDR_SOURCE_DIR "/tests/bench/peer_io.py --repeat " +
                      std::to_string(repeat) + " --threads " + std::to_string(core::workerThreadCount()) +
                      " --exr";
    for (const auto& f : exrFiles) {
        cmd += " '" + f + "'";
    }
    cmd += " --rgbe";
    for (const auto& f : rgbeFiles) {
        cmd += " '" + f + "'";
    }
    nlohmann::json peers = nlohmann::json::object();
    if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
        std::string text;
        char buf[4096];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) {
            text.append(buf, n);
        }
        ::pclose(pipe);
        peers = nlohmann::json::parse(text, nullptr, false);
    }
    if (peers.is_discarded() || !peers.is_object()) {
        std::fprintf(stderr, "hdrstudio-cli: peer script failed; reporting our figures only\n");
        peers = nlohmann::json::object();
    }
    auto peer = [&](const char* key, const std::string& f) -> double {
        return peers.contains(key) && peers[key].contains(f) ? peers[key][f].get<double>() : 0.0;
    };

    const fs::path tmp = fs::temp_directory_path() / ("hdr-bench-" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    nlohmann::json report = nlohmann::json::array();
    std::printf("%-22s %9s %9s %7s | %9s %9s %7s | %12s\n",
                "file",
                "read ms",
                "OIIO ms",
                "ratio",
                "write ms",
                "OIIO ms",
                "ratio",
                "oiiotool ms");
    for (const auto& f : exrFiles) {
        std::shared_ptr<core::ImageF> image;
        const double read = bestOf(repeat, [&] {
            auto r = core::readImage(f);
            if (r) {
                image = std::make_shared<core::ImageF>(std::move(*r));
            }
        });
        if (!image) {
            std::printf("%-22s read failed\n", fs::path(f).filename().c_str());
            continue;
        }
        core::WriteOptions w;
        w.overwrite = true;
        w.compression = core::ExrCompression::Zip;
        w.sampleType = core::SampleType::Half;
        const double write = bestOf(repeat, [&] { (void)core::writeImage(*image, tmp / "ours.exr", w); });
        const double pr = peer("oiio_read", f), pw = peer("oiio_write", f),
                     tool = peer("oiiotool_convert", f);
        std::printf("%-22s %9.1f %9.1f %7.2f | %9.1f %9.1f %7.2f | %12.1f\n",
                    fs::path(f).filename().c_str(),
                    read * 1e3,
                    pr * 1e3,
                    pr > 0 ? pr / read : 0.0,
                    write * 1e3,
                    pw * 1e3,
                    pw > 0 ? pw / write : 0.0,
                    tool * 1e3);
        report.push_back({{"file", f},
                          {"format", "exr"},
                          {"read_s", read},
                          {"write_s", write},
                          {"oiio_read_s", pr},
                          {"oiio_write_s", pw},
                          {"oiiotool_convert_s", tool}});
    }
    std::printf("\n%-22s %9s %9s %7s\n", "file", "read ms", "cv2 ms", "ratio");
    for (const auto& f : rgbeFiles) {
        bool ok = true;
        const double read = bestOf(repeat, [&] { ok = ok && bool(core::readImage(f)); });
        const double pr = peer("cv2_read", f);
        std::printf("%-22s %9.1f %9.1f %7.2f%s\n",
                    fs::path(f).filename().c_str(),
                    read * 1e3,
                    pr * 1e3,
                    pr > 0 ? pr / read : 0.0,
                    ok ? "" : "  (read failed)");
        report.push_back({{"file", f}, {"format", "hdr"}, {"read_s", read}, {"cv2_read_s", pr}});
    }
    fs::remove_all(tmp);
    if (peers.contains("errors")) {
        for (const auto& e : peers["errors"]) {
            std::printf("peer error: %s\n", e.get<std::string>().c_str());
        }
    }
    std::printf(
        "\nthreads: %d; best of %d runs; ratio = peer time / our time\n", core::workerThreadCount(), repeat);
    if (args.flag("json")) {
        std::printf("%s\n", report.dump(2).c_str());
    }
    return kExitOk;
}

} // namespace

int runBench(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    std::string numberError;
    const int repeat = std::max(1, int(args.number("repeat", numberError).value_or(5)));
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    const std::string which = args.positional().front();
    if (which == "io") {
        return benchIo(args, repeat);
    }
    if (which == "viewer") {
        return benchViewer(args, repeat);
    }
    if (which == "fusion") {
        return benchFusion(args,
                           std::max(1, int(args.number("repeat", numberError).value_or(3))),
                           args.value("data").value_or(HDR_SHARED_DIR "/data"));
    }
    if (which == "gainmap") {
        return benchGainMap(args, std::max(1, int(args.number("repeat", numberError).value_or(3))));
    }
    if (which == "tonemap") {
        return benchToneMap(args,
                            std::max(1, int(args.number("repeat", numberError).value_or(3))),
                            args.value("data").value_or(HDR_SHARED_DIR "/data"));
    }
    if (which == "merge") { // bracket merge to HDR (BenchMerge.cpp)
        return benchMerge(args,
                          std::max(1, int(args.number("repeat", numberError).value_or(3))),
                          args.value("data").value_or(HDR_SHARED_DIR "/data"));
    }
#ifdef HDR_WITH_DIFFUSION
    if (which == "brackets") { // exposure-bracketed generation (BenchBrackets.cpp)
        return benchBrackets(args, std::max(1, int(args.number("repeat", numberError).value_or(2))));
    }
#endif
#ifdef HDR_WITH_DIFFUSION
    if (which == "gm") { // gain-map diffusion step vs a plain CFG step (BenchGainMapDiffusion.cpp)
        return benchGainMapDiffusion(args, std::max(1, int(args.number("repeat", numberError).value_or(1))));
    }
#endif
#ifdef HDR_WITH_DIFFUSION
    if (which == "unet") { // SD1.5-size UNet step + VAE decode vs PyTorch (BenchDiffusion.cpp)
        return benchDiffusion(args, std::max(1, int(args.number("repeat", numberError).value_or(1))));
    }
    if (which == "esrgan") { // ESRGAN x4 vs PyTorch, tiled upscale memory (BenchEsrgan.cpp)
        return benchEsrgan(args, std::max(1, int(args.number("repeat", numberError).value_or(2))));
    }
#endif
#ifdef HDR_WITH_TRAINING
    if (which == "itm") { // LDR -> HDR training steps/s vs PyTorch (BenchItm.cpp)
        return benchItm(args);
    }
#endif
    if (which == "startup") { // whole-command wall times vs oiiotool (BenchStartup.cpp)
        return benchStartup(args,
                            std::max(1, int(args.number("repeat", numberError).value_or(10))),
                            args.value("data").value_or(HDR_SHARED_DIR "/data"));
    }
    return usageError("unknown benchmark '" + which +
                      "' (io, viewer, fusion, merge, gainmap, tonemap, startup; with libtorch: unet, gm, "
                      "brackets, esrgan, itm)");
}

} // namespace hdr::cli
