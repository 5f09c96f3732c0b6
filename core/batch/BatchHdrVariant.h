#pragma once
// The optional HDR variant of a final (internal to hdr_batch), written to <root>/hdr/ under the
// final's stem by the tools that make HDRs from a picture:
//   brackets: exposure-bracketed img2img of the final (BracketedRequest, strength hdr-strength)
//   gainmap:  GM-Diffusion SDR -> HDR (GainMapRequest with the final as the SDR image; its own
//             sampler defaults, gm-model as the gain-map UNet, the batch model as the SD 1.5 one)
// Both run at the final's size, which costs as much as generating at that size.
#include "batch/BatchSession.h"

#include <filesystem>
#include <vector>

namespace hdr::batch {

// `settings`: the final's generation settings (model, prompt, negative, seed, LoRAs, device ...).
core::Result<std::vector<std::filesystem::path>> makeHdrVariant(const BatchSession& session,
                                                                const diffusion::DiffusionSettings& settings,
                                                                const std::filesystem::path& finalImage,
                                                                core::JobContext& job);

} // namespace hdr::batch
