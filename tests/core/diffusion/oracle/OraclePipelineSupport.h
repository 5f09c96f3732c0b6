#pragma once
// What the pipeline-level oracle runners share: opening a family's model through the product
// loader, the case's scheduler, its prompts and SDXL micro-conditioning as diffusers received
// them, and the check of the prompt embeddings the product encoded against the stored ones.
#include "OracleHarness.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/pipeline/Pipeline.h"
#include "diffusion/pipeline/SdxlMicroConditioning.h"
#include "diffusion/pipeline/TextToImage.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hdr::test::oracle {

using hdr::core::unwrap;

// The family's folder under the oracle's models/, loaded in the case's dtype.
std::shared_ptr<diffusion::StableDiffusionModel> openOracleModel(const OracleCase& c,
                                                                 const std::string& family);

// The case's scheduler_config with its class, set to num_inference_steps.
std::unique_ptr<diffusion::Scheduler> oracleScheduler(const OracleCase& c);

// A value of the case: top level, else in "extra", else in "config".
const nlohmann::json* caseValue(const OracleCase& c, const std::string& key);

struct CasePrompts {
    std::vector<std::string> prompts;                  // one per image
    std::vector<std::optional<std::string>> negatives; // same length; nullopt = None
    int clipSkip = 0;
};
CasePrompts casePrompts(const OracleCase& c);

// original_size, crops_coords_top_left, target_size, negative_* and the aesthetic scores.
diffusion::SdxlMicroConditioning caseMicroConditioning(const OracleCase& c);

// Encodes the case's prompts with `model` and compares each stored embedding
// (<prefix>prompt_embeds, negative_prompt_embeds, pooled_prompt_embeds,
// negative_pooled_prompt_embeds) that exists; returns what the denoiser gets.
diffusion::PromptEmbeddings encodeAndCheckPrompts(const OracleCase& c,
                                                  OracleReport& report,
                                                  diffusion::StableDiffusionModel& model,
                                                  double guidance,
                                                  const std::string& prefix = "out.");

// Compares <prefix>add_time_ids / <prefix>add_neg_time_ids (whichever the case stores).
void checkTimeIds(const OracleCase& c,
                  OracleReport& report,
                  const diffusion::ResolvedSdxlConditioning& ids,
                  const std::string& prefix = "out.");

// Stacks a list of per-step tensors ([T, ...]); an empty list gives an undefined tensor.
at::Tensor stackSteps(const std::vector<at::Tensor>& steps);

} // namespace hdr::test::oracle
