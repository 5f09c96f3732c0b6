#pragma once
// Stages 2 and 3 of the batch for one stage-1 image (internal to hdr_batch):
//   stage 2: Lanczos to stage2-scale x (sides rounded to multiples of 8), img2img at
//            stage2-strength (the refiner when stage2-refiner is on);
//   stage 3: ESRGAN (Lanczos without weights; the record says which ran), then optionally
//            img2img on overlapping tiles (TilePlan.h) at tile-strength, blended;
// then final/<stamp>_final_WxH.png and its record, with the intermediates, all or none
// (OutputSet): a stop in the middle leaves nothing of this image. The stage-1 record's "finals"
// is updated afterwards, then the optional HDR variant is made.
// The prompt, negative prompt, seed and LoRAs are the stage-1 record's; the sampling settings are
// the run's config. Tile i uses seed + 1 + i, so no two tiles share their noise.
#include "batch/BatchRunner.h"
#include "batch/BatchSession.h"

namespace hdr::batch {

core::Result<FinishedImage>
makeFinal(BatchSession& session, const PendingImage& pending, core::JobContext& job);

} // namespace hdr::batch
