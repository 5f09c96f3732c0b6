#pragma once
// Stage 1 of the batch (internal to hdr_batch): one txt2img candidate from an image seed: draws
// the prompt options, LoRAs and size from the seed, resolves <lora:> tags, generates (with the
// refiner when stage1-refiner is on) and writes stage1/<stamp>_stage1_WxH.png with its record in
// metadata/, both or neither.
#include "batch/BatchRunner.h"
#include "batch/BatchSession.h"
#include "batch/LoraPool.h"
#include "batch/PromptPool.h"
#include "batch/SizePresets.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace hdr::batch {

struct Stage1Pools {
    const PromptPool& prompts;
    const std::optional<LoraPool>& loras;
    const std::vector<ImageSize>& sizes; // empty: the config's width and height
};

core::Result<FinishedImage>
makeStage1Image(BatchSession& session, const Stage1Pools& pools, std::uint64_t seed, core::JobContext& job);

} // namespace hdr::batch
