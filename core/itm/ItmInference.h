#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"
#include "itm/ItmConfig.h"

#include <filesystem>
#include <memory>
#include <optional>

namespace hdr::itm {

// The shipped default model: $HDR_ITM_MODEL, <exe>/../share/hdrstudio/models/itm_default.pt, or
// the source tree's resources/models/itm_default.pt; empty when none exists.
std::filesystem::path defaultItmModelPath();

// A trained LDR -> HDR network loaded from a checkpoint (its metadata builds the network and sets
// the tiling). Inference is tiled: tiles of `tile` px stepping by tile − overlap, each padded to
// a multiple of 4; overlapping predictions are blended with weights that ramp linearly across the
// overlap (w(d) = min(1, (d + 0.5) / overlap) from each tile edge), so seams do not show.
class ItmModel {
public:
    static core::Result<ItmModel> load(const std::filesystem::path& checkpoint,
                                       const std::string& device = "cpu");

    ItmModel(ItmModel&&) noexcept;
    ItmModel& operator=(ItmModel&&) noexcept;
    ~ItmModel();

    const ItmModelMeta& meta() const;
    // ldrLinear: RGB(A) linear LDR in [0, 1] (what readImage gives for a PNG/JPEG). Returns the
    // scene-linear HDR (RGB) in the same units. tile/overlap override the checkpoint's.
    core::Result<core::ImageF> expand(const core::ImageF& ldrLinear,
                                      core::JobContext& ctx,
                                      std::optional<int> tile = std::nullopt,
                                      std::optional<int> overlap = std::nullopt);

private:
    class Impl;
    explicit ItmModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// `hdrstudio-cli itm infer`
struct ItmInferRequest {
    std::filesystem::path input;
    std::filesystem::path output;     // .exr (half unless floatOutput)
    std::filesystem::path preview;    // log-tone-mapped PNG; empty: none
    std::filesystem::path checkpoint; // empty: the default model
    std::optional<int> tile;
    std::optional<int> overlap;
    bool floatOutput = false;
    bool overwrite = false;
    std::string device = "cpu";
};

struct ItmInferReport {
    std::filesystem::path checkpoint;
    int width = 0, height = 0;
    int tiles = 0;
    float peak = 0; // brightest output value
    double seconds = 0;
};

core::Result<ItmInferReport> runItmInference(const ItmInferRequest& request, core::JobContext& ctx);

} // namespace hdr::itm
