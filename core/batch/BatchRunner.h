#pragma once
// Torch-free entry point of the stage-1 -> curate -> upscale workflow (`hdrstudio-cli batch`,
// the app's batch jobs; docs/batch.md). One model is opened per run and shared by every image.
//   Full:    each stage-1 candidate is upscaled to its final right away.
//   Stage1:  candidates only (stage1/ + metadata/), for curating in the gallery.
//   Upscale: every stage-1 image that still exists, has its record and has no final yet.
// Continuous runs go on until the job is cancelled (stage 1: or `count` images are made; upscale:
// looking for new images every poll-seconds); `once` makes one pass (stage 1: `count` images, or
// one when count is 0; upscale: the images pending when it starts).
// Cancelling abandons the image in progress without leaving any of its files; finished images
// stay. runBatch then fails with Cancelled.
#include "batch/BatchConfig.h"
#include "common/Error.h"
#include "common/JobContext.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hdr::batch {

enum class BatchMode { Full, Stage1, Upscale };

struct FinishedImage {
    std::string stage; // "stage1" | "final"
    std::filesystem::path image, metadata;
    int width = 0, height = 0;
    std::uint64_t seed = 0;
    std::string stamp;
    std::string source; // final: the stage-1 image, relative to the output root
    std::string method; // final: the stage-3 upscaler that ran (empty without stage 3)
    std::vector<std::filesystem::path> hdrFiles;
    std::vector<std::string> problems; // what went wrong after the image itself was written
};

struct BatchRunOptions {
    BatchMode mode = BatchMode::Full;
    bool once = false;
    std::function<void(const FinishedImage&)> onImage; // after each image's files are in place
    std::function<void(const std::string&)> log;       // notes for the user (may be empty)
    // Upscale: only these stage-1 images (the gallery's picks); empty: every pending one.
    std::vector<std::filesystem::path> only;
};

struct BatchSummary {
    int stage1Images = 0;
    int finals = 0;
    int failed = 0;                          // upscale: images that failed (each is tried once per run)
    std::optional<core::Error> firstFailure; // upscale: the first of them, and why
    bool nothingToUpscale = false;           // --upscale --once found no pending image
    std::uint64_t startSeed = 0;
};

core::Result<BatchSummary>
runBatch(const BatchConfig& config, const BatchRunOptions& options, core::JobContext& job);

} // namespace hdr::batch
