// Child process for the trainer tests that need more than one process:
//   training_worker crash RUN_DIR                    trains slowly until killed (tst_trainer_crash)
//   training_worker dist RANK WORLD PORT OUT_FILE    one step of a 2-process run (tst_distributed)
// It trains the same TinyTask as the in-process tests and writes the final parameters as raw
// float32 to OUT_FILE.
#include "TinyTask.h"

#include "training/Trainer.h"

#include <torch/utils.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

using namespace hdr;

int main(int argc, char** argv)
{
    torch::set_num_threads(1);
    const std::string mode = argc > 1 ? argv[1] : "";
    training::TrainingOptions o;
    o.validationBatches = 1;
    o.vizSamples = 0;
    o.tensorboard = false;
    o.lr = 0.02;
    if (mode == "crash" && argc == 3) {
        o.runDir = argv[2];
        o.epochs = 50;
        o.schedule = training::LrSchedule::Constant;
        test::TinyTask task(8, 10);
        task.batchDelay = std::chrono::milliseconds(25);
        auto result = training::train(task, o, core::nullJobContext());
        return result ? 0 : 1;
    }
    if (mode == "dist" && argc == 6) {
        o.distributed.rank = std::atoi(argv[2]);
        o.distributed.worldSize = std::atoi(argv[3]);
        o.distributed.masterPort = std::atoi(argv[4]);
        o.distributed.timeout = std::chrono::seconds(60);
        o.runDir = std::string(argv[5]) + ".run";
        o.epochs = 1;
        o.clipGradNorm = 0;
        test::TinyTask task(16, 1);
        auto result = training::train(task, o, core::nullJobContext());
        if (!result) {
            std::fprintf(stderr, "rank %s: %s\n", argv[2], result.error().describe().c_str());
            return 1;
        }
        const auto params = task.flatParameters();
        std::ofstream out(argv[5], std::ios::binary);
        out.write(reinterpret_cast<const char*>(params.data()),
                  std::streamsize(params.size() * sizeof(float)));
        return out ? 0 : 1;
    }
    std::fprintf(stderr, "usage: training_worker crash RUN_DIR | dist RANK WORLD PORT OUT_FILE\n");
    return 2;
}
