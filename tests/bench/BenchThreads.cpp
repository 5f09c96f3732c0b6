// hdrstudio-bench-threads: a fusion job on the core pool (common/Parallel.h) beside a libtorch
// workload on its OpenMP team, in one process as in the app (the device executor runs libtorch
// on its own thread while the compute pool runs image jobs). Prints each job's time alone and
// together, with libgomp's default wait policy ("before") and after
// configureThreadingForApp() (common/ThreadingSetup.h, "after").
//
// libgomp reads its wait policy once, when it is loaded; this program links libtorch, so libgomp
// is loaded before main(). Every case therefore runs in a child process of its own:
//   hdrstudio-bench-threads [--megapixels 6] [--fusions 3] [--torch-steps 30]
//   hdrstudio-bench-threads run fusion|torch|both [--configure] [same options]   (one case, JSON)
#include "common/Parallel.h"
#include "common/ThreadingSetup.h"
#include "hdr/ExposureFusion.h"
#include "image/DemoScene.h"
#include "image/TransferFunction.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

using hdr::core::ImageF;

struct Options {
    double megapixels = 6.0;
    int fusions = 3;
    int torchSteps = 30;
};

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<ImageF> bracket(double megapixels)
{
    const int w = int(std::lround(std::sqrt(megapixels * 1e6 * 4.0 / 3.0))), h = w * 3 / 4;
    const ImageF scene = hdr::core::renderDemoScene(w, h);
    std::vector<ImageF> frames;
    for (int i = 0; i < 4; ++i) {
        ImageF frame(w, h, 3);
        const float gain = std::exp2(-6.0f + 2.0f * float(i));
        for (std::int64_t p = 0; p < frame.pixelCount() * 3; ++p) {
            frame.data()[p] = std::min(1.0f, hdr::core::srgbEncode(scene.data()[p] * gain));
        }
        frames.push_back(std::move(frame));
    }
    return frames;
}

// The fusion job: `count` fusions of the bracket, back to back.
void fusionJob(const std::vector<ImageF>& frames, int count)
{
    for (int i = 0; i < count; ++i) {
        auto fused = hdr::core::fuseMertens(frames, hdr::core::MertensParams{}, hdr::core::nullJobContext());
        if (!fused) {
            std::fprintf(stderr, "fusion failed: %s\n", fused.error().describe().c_str());
            std::exit(1);
        }
    }
}

// A stand-in for denoising steps at SD 1.5's 32 x 32 attention level (batch 2, 320 channels):
// 3x3 convolution, group norm, SiLU and self-attention, i.e. many medium-sized OpenMP regions
// with short serial gaps between them, the pattern in which idle workers spin.
void torchJob(int steps)
{
    at::NoGradGuard noGrad;
    at::manual_seed(0);
    at::Tensor x = at::randn({2, 320, 32, 32});
    const at::Tensor conv = at::randn({320, 320, 3, 3}) * 0.02;
    const at::Tensor project = at::randn({320, 320}) * 0.05;
    for (int i = 0; i < steps; ++i) {
        at::Tensor h = at::silu(at::group_norm(at::conv2d(x, conv, {}, 1, 1), 32));
        const at::Tensor tokens = h.flatten(2).transpose(1, 2).contiguous(); // [2, 1024, 320]
        const at::Tensor q = at::matmul(tokens, project);
        const at::Tensor attention = at::softmax(at::matmul(q, tokens.transpose(1, 2)) * 0.056, -1);
        const at::Tensor mixed = at::matmul(attention, tokens).transpose(1, 2).reshape(x.sizes());
        x = x + mixed * 0.1;
    }
    if (!std::isfinite(x.sum().item<float>())) {
        std::fprintf(stderr, "torch workload diverged\n");
    }
}

int runCase(const std::string& which, const Options& o)
{
    const std::vector<ImageF> frames = which == "torch" ? std::vector<ImageF>{} : bracket(o.megapixels);
    if (which != "torch") {
        fusionJob(frames, 1); // warm the pool and the allocator; not timed
    }
    if (which != "fusion") {
        torchJob(1); // warm the OpenMP team
    }
    double fusionS = 0.0, torchS = 0.0;
    const double start = now();
    std::thread torchThread;
    if (which != "fusion") {
        torchThread = std::thread([&] {
            torchJob(o.torchSteps);
            torchS = now() - start;
        });
    }
    if (which != "torch") {
        fusionJob(frames, o.fusions);
        fusionS = now() - start;
    }
    if (torchThread.joinable()) {
        torchThread.join();
    }
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    std::printf("{\"fusion_s\": %.4f, \"torch_s\": %.4f, \"policy\": \"%s\", \"omp_threads\": %d, "
                "\"pool_threads\": %d}\n",
                fusionS,
                torchS,
                policy ? policy : "default",
                at::get_num_threads(),
                hdr::core::workerThreadCount());
    return 0;
}

double field(const std::string& json, const char* key)
{
    const std::string k = std::string("\"") + key + "\": ";
    const auto at = json.find(k);
    return at == std::string::npos ? 0.0 : std::atof(json.c_str() + at + k.size());
}

// Runs one case in a child process; the environment is cleared of wait-policy variables, so
// "before" is libgomp's default whatever the caller's environment (ctest sets PASSIVE).
std::string
child(const std::string& self, const std::string& which, bool configure, const std::string& options)
{
    const std::string command = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u KMP_BLOCKTIME '" + self +
                                "' run " + which + (configure ? " --configure" : "") + options;
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[512];
        while (std::fgets(buffer, sizeof buffer, pipe)) {
            out += buffer;
        }
        ::pclose(pipe);
    }
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    const bool configure = std::find(args.begin(), args.end(), "--configure") != args.end();
    if (configure) {
        hdr::core::configureThreadingForApp(argv); // restarts this child once: libtorch is linked
    }
    Options o;
    std::string options;
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        const double v = std::atof(args[i + 1].c_str());
        double* target = args[i] == "--megapixels" ? &o.megapixels : nullptr;
        int* count =
            args[i] == "--fusions" ? &o.fusions : (args[i] == "--torch-steps" ? &o.torchSteps : nullptr);
        if (target == nullptr && count == nullptr) {
            continue;
        }
        if (!(v > 0.0 && v <= 1000.0)) {
            std::fprintf(stderr, "%s needs a number in (0, 1000]\n", args[i].c_str());
            return 2;
        }
        if (target) {
            *target = v;
        } else {
            *count = int(v);
        }
        options += " " + args[i] + " " + args[i + 1];
    }
    if (args.size() >= 2 && args[0] == "run") {
        return runCase(args[1], o);
    }
    const std::string self = "/proc/" + std::to_string(::getpid()) + "/exe";
    std::printf("fusion: %d x fuseMertens of 4 x %.1f MP (core pool, %d threads); torch: %d attention-block "
                "steps (OpenMP)\n\n",
                o.fusions,
                o.megapixels,
                hdr::core::workerThreadCount(),
                o.torchSteps);
    struct Row {
        const char* label;
        const char* which;
        bool configure;
    };
    const Row rows[] = {{"fusion alone", "fusion", false},
                        {"torch alone, libgomp default", "torch", false},
                        {"torch alone, after configureThreadingForApp", "torch", true},
                        {"together, libgomp default (before)", "both", false},
                        {"together, after configureThreadingForApp", "both", true}};
    std::printf("%-46s %10s %10s  %s\n", "case", "fusion s", "torch s", "policy");
    for (const Row& r : rows) {
        const std::string json = child(self, r.which, r.configure, options);
        if (json.find("fusion_s") == std::string::npos) {
            std::printf("%-46s failed\n", r.label);
            continue;
        }
        const auto policy = json.find("\"policy\": \"");
        std::printf("%-46s %10.3f %10.3f  %s\n",
                    r.label,
                    field(json, "fusion_s"),
                    field(json, "torch_s"),
                    policy == std::string::npos
                        ? "?"
                        : json.substr(policy + 11, json.find('"', policy + 11) - policy - 11).c_str());
    }
    return 0;
}
