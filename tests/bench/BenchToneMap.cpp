// Tone-mapping benchmark. Peers and command lines as in ../shared/reference/hdr.md §1.7 (Job C):
// every tool reads the same float EXR and writes an 8-bit image, timed as whole processes (our
// own `hdrstudio-cli tonemap` too, so process start and I/O count the same for everyone), and
// the operator alone is compared with OpenCV's Tonemap* where the formula is the same.
#include "BenchToneMap.h"

#include "BenchSupport.h"

#include "common/JobContext.h"
#include "common/Parallel.h"
#include "image/DemoScene.h"
#include "io/ImageIO.h"
#include "tonemap/LocalToneMap.h"
#include "tonemap/ToneMap.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

namespace hdr::cli {
namespace fs = std::filesystem;
namespace {

// Runs a shell command; returns its wall time, or a negative value when it failed.
double timeCommand(const std::string& cmd, std::string* output = nullptr)
{
    std::string text;
    int status = -1;
    const double t = secondsOf([&] {
        if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
            char buf[4096];
            while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) {
                text.append(buf, n);
            }
            status = ::pclose(pipe);
        }
    });
    if (output) {
        *output = text;
    }
    return status == 0 ? t : -1.0;
}

bool haveProgram(const std::string& name)
{
    return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string selfExe()
{
    std::error_code ec;
    const auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("hdrstudio-cli") : p.string();
}

// Nearest-neighbour upscale (the content does not matter for speed; the dynamic range does).
core::ImageF upscale(const core::ImageF& src, int w, int h)
{
    core::ImageF out(w, h, 3, src.colorSpace);
    core::parallelFor(std::size_t(h), 16, [&](std::size_t y0, std::size_t y1) {
        for (int y = int(y0); y < int(y1); ++y) {
            const int sy = std::min(src.height() - 1, int(std::int64_t(y) * src.height() / h));
            for (int x = 0; x < w; ++x) {
                const int sx = std::min(src.width() - 1, int(std::int64_t(x) * src.width() / w));
                const float* s = src.pixel(sx, sy);
                float* d = out.pixel(x, y);
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        }
    });
    return out;
}

struct Row {
    std::string task;
    std::string peer;
    double ours = -1;
    double theirs = -1;
};

} // namespace

int benchToneMap(const Args& args, int repeat, const fs::path& dataDir)
{
    std::string numberError;
    const double megapixels = args.number("megapixels", numberError).value_or(12.0);
    if (!numberError.empty() || megapixels < 0.1 || megapixels > 64) {
        return usageError("bench tonemap: --megapixels 0.1..64");
    }
    const int width = int(std::sqrt(megapixels * 1e6 * 4.0 / 3.0));
    const int height = width * 3 / 4;

    core::ImageF source;
    std::string sourceName = "demo scene";
    const fs::path shared = dataDir / "rgbe" / "studio_small_03_1k.hdr";
    if (fs::exists(shared)) {
        auto img = core::readImage(shared);
        if (img) {
            source = std::move(*img);
            sourceName = shared.filename().string();
        }
    }
    if (source.empty()) {
        source = core::renderDemoScene(1024, 768);
    }
    const core::ImageF image = upscale(core::withChannels(source, 3), width, height);

    char tmpl[] = "/tmp/hdrstudio-bench-tonemap-XXXXXX";
    if (!::mkdtemp(tmpl)) {
        return reportError({core::ErrorCode::IoError, "cannot create a temporary folder", tmpl});
    }
    const fs::path dir(tmpl);
    const fs::path exr = dir / "input.exr";
    core::WriteOptions wo;
    wo.sampleType = core::SampleType::Float;
    wo.compression = core::ExrCompression::None;
    if (auto s = core::writeImage(image, exr, wo); !s) {
        return reportError(s.error());
    }
    std::fprintf(stderr,
                 "bench tonemap: %dx%d (%.1f MP) float EXR from %s, best of %d\n",
                 width,
                 height,
                 width * height / 1e6,
                 sourceName.c_str(),
                 repeat);

    std::vector<Row> rows;
    const auto stats = core::computeToneMapStats(image);
    auto timeGlobal = [&](core::ToneMapOperator op) {
        core::ToneMapParams p;
        p.op = op;
        core::applyToneMapStats(p, stats, 1.0f, core::PeakMode::MaxLuminance);
        return bestOf(repeat, [&] {
            core::ImageF copy = image;
            core::toneMapPixels(p, copy.data(), std::size_t(copy.pixelCount()), copy.channels());
        });
    };
    // Compute only, against OpenCV (same formulas: linear scale, Drago 2003).
    const std::string py = "/usr/bin/python3 '" HDR_SOURCE_DIR "/tests/bench/tonemap_peer.py'";
    const bool havePy = fs::exists("/usr/bin/python3");
    for (auto [op, cvName] : {std::pair{core::ToneMapOperator::LinearScale, "linear"},
                              std::pair{core::ToneMapOperator::Drago, "drago"}}) {
        Row r{std::string("compute: ") + core::nameOf(op), "OpenCV Tonemap" + std::string(cvName)};
        r.ours = timeGlobal(op);
        if (havePy) {
            std::string out;
            if (timeCommand(py + " tonemap " + cvName + " " + shellQuoted(exr.string()) + " - --repeat " +
                                std::to_string(repeat) + " 2>/dev/null",
                            &out) >= 0) {
                try {
                    r.theirs = nlohmann::json::parse(out).at("seconds").get<double>();
                } catch (...) {
                }
            }
        }
        rows.push_back(r);
    }
    core::NullJobContext ctx;
    rows.push_back({"compute: photographic-local",
                    "(no OpenCV equivalent)",
                    bestOf(repeat, [&] { (void)core::toneMapPhotographicLocal(image, {}, ctx); }),
                    -1});
    rows.push_back({"compute: durand",
                    "(not in Debian's OpenCV)",
                    bestOf(repeat, [&] { (void)core::toneMapDurand(image, {}, ctx); }),
                    -1});

    // Whole commands: EXR in, 8-bit image out.
    const std::string self =
        shellQuoted(selfExe()) + " tonemap " + shellQuoted(exr.string()) + " --overwrite --output ";
    const bool haveLhdr = haveProgram("luminance-hdr-cli");
    const bool havePfs = haveProgram("pfsin") && haveProgram("pfstmo_drago03");
    struct Job {
        const char* name;
        std::string ours;
        std::string lhdr;
        std::string pfs;
    };
    const fs::path out8 = dir / "out.png";
    const std::vector<Job> jobs = {
        {"drago",
         self + shellQuoted(out8.string()) + " --operator drago --bias 0.85",
         "luminance-hdr-cli -l " + shellQuoted(exr.string()) + " --tmo drago --tmoDrgBias 0.85 -o " +
             shellQuoted((dir / "l.png").string()),
         "pfsin " + shellQuoted(exr.string()) + " | pfstmo_drago03 -b 0.85 | pfsgamma -g 2.2 | pfsout " +
             shellQuoted((dir / "p.png").string())},
        {"reinhard02 (photographic-local)",
         self + shellQuoted(out8.string()) + " --operator photographic-local",
         "luminance-hdr-cli -l " + shellQuoted(exr.string()) + " --tmo reinhard02 -o " +
             shellQuoted((dir / "l.png").string()),
         "pfsin " + shellQuoted(exr.string()) + " | pfstmo_reinhard02 | pfsgamma -g 2.2 | pfsout " +
             shellQuoted((dir / "p.png").string())},
        {"durand02",
         self + shellQuoted(out8.string()) + " --operator durand",
         "luminance-hdr-cli -l " + shellQuoted(exr.string()) + " --tmo durand -o " +
             shellQuoted((dir / "l.png").string()),
         "pfsin " + shellQuoted(exr.string()) + " | pfstmo_durand02 | pfsgamma -g 2.2 | pfsout " +
             shellQuoted((dir / "p.png").string())},
    };
    ::setenv("QT_QPA_PLATFORM", "offscreen", 0);
    auto bestCommand = [&](const std::string& cmd) {
        double best = -1;
        for (int i = 0; i < repeat; ++i) {
            const double t = timeCommand(cmd + " >/dev/null 2>&1");
            if (t < 0) {
                return -1.0;
            }
            best = best < 0 ? t : std::min(best, t);
        }
        return best;
    };
    for (const auto& job : jobs) {
        const double ours = bestCommand(job.ours);
        if (haveLhdr) {
            rows.push_back(
                {std::string("EXR->8-bit: ") + job.name, "luminance-hdr-cli", ours, bestCommand(job.lhdr)});
        }
        if (havePfs) {
            rows.push_back(
                {std::string("EXR->8-bit: ") + job.name, "pfsin|pfstmo|pfsout", ours, bestCommand(job.pfs)});
        }
    }

    const bool json = args.flag("json");
    nlohmann::json j = nlohmann::json::array();
    if (!json) {
        std::printf("%-40s %-24s %10s %10s %8s\n", "task", "peer", "ours s", "peer s", "ratio");
    }
    for (const auto& r : rows) {
        const double ratio = (r.ours > 0 && r.theirs > 0) ? r.theirs / r.ours : 0.0;
        if (json) {
            j.push_back({{"task", r.task},
                         {"peer", r.peer},
                         {"ours_s", r.ours},
                         {"peer_s", r.theirs},
                         {"ratio", ratio}});
        } else if (r.theirs > 0) {
            std::printf("%-40s %-24s %10.3f %10.3f %7.2fx\n",
                        r.task.c_str(),
                        r.peer.c_str(),
                        r.ours,
                        r.theirs,
                        ratio);
        } else {
            std::printf("%-40s %-24s %10.3f %10s %8s\n", r.task.c_str(), r.peer.c_str(), r.ours, "-", "-");
        }
    }
    if (json) {
        std::printf("%s\n", j.dump(2).c_str());
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    return kExitOk;
}

} // namespace hdr::cli
