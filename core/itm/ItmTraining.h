#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "itm/ItmConfig.h"
#include "training/Trainer.h"
#include "training/TrainingOptions.h"

#include <string>
#include <vector>

namespace hdr::itm {

// `hdrstudio-cli itm train`: the data, the model and the loop's options.
struct ItmTrainRequest {
    ItmDataOptions data;
    ItmModelMeta model;
    training::TrainingOptions training;
};

struct ItmTrainReport {
    training::TrainResult result;
    int trainPairs = 0;
    int validationPairs = 0;
    std::vector<std::string> skipped; // files the size rule or a read error left out, with why
};

// Loads the data (ItmDataset.h), builds the network and runs the generic training loop with the
// LDR -> HDR task:
//  - a micro-batch is `batchSize` random tiles (pair, position, scale jitter, horizontal flip
//    drawn from the batch's seed), the loss the hybrid α·L1 + (1 − α)·L1(log1p) on HDR/scale_hdr;
//  - validation on up to N full frames padded to multiples of 4: loss and the metrics psnr and
//    ssim (prediction and truth divided by scale_hdr and clamped to [0, 1]), pu21-psnr and
//    log-psnr (scene-linear, core/metrics);
//  - viz: input | prediction | truth of the first validation frames, log tone mapped.
core::Result<ItmTrainReport> trainItm(const ItmTrainRequest& request, core::JobContext& ctx);

} // namespace hdr::itm
