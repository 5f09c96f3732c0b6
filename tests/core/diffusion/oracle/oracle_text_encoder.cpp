// Oracle kind "text_encoder": transformers CLIPTextModel(WithProjection)(ids, output_hidden_states)
// with no attention mask, every out.* of the case, plus the SDXL conditioning (prompt_embeds =
// both penultimate states concatenated, pooled = text_embeds) computed from the prompts through
// our tokenizers and encodePrompts.
#include "OracleHarness.h"
#include "diffusion/text/ClipTextModel.h"
#include "diffusion/text/ClipTokenizer.h"
#include "diffusion/text/TextConditioning.h"

#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace {

using namespace hdr::test::oracle;
using namespace hdr::diffusion;

constexpr double kAtol = 5e-5; // components (oracle README "Tolerances")

// Until model/StateDictLoader exists: copy a diffusers-named file into the module, requiring
// every parameter and refusing unexpected keys (position_ids buffers are not parameters).
ClipTextModel loadEncoder(const std::filesystem::path& dir,
                          const std::string& name,
                          at::ScalarType dtype,
                          OracleReport& report)
{
    std::ifstream in(dir / (name + "_config.json"));
    if (!in) throw std::runtime_error("missing " + (dir / (name + "_config.json")).string());
    const ClipTextConfig config = ClipTextConfig::fromJson(nlohmann::json::parse(in));
    ClipTextModel model(config, at::TensorOptions().dtype(dtype));
    auto tensors = loadSafetensors(dir / (name + ".safetensors"));
    if (!tensors) throw std::runtime_error(tensors.error().describe());
    c10::NoGradGuard noGrad;
    std::size_t used = 0;
    const auto params = model->named_parameters();
    for (const auto& item : params) {
        const std::string& key = item.key();
        auto it = tensors->find(key);
        if (it == tensors->end()) {
            report.fail(name + ": missing weight " + key);
            continue;
        }
        if (it->second.sizes() != item.value().sizes()) {
            report.fail(name + ": shape mismatch for " + key);
            continue;
        }
        at::Tensor target = item.value();
        target.copy_(it->second);
        ++used;
    }
    for (const auto& [key, tensor] : *tensors)
        if (key.find("position_ids") == std::string::npos && !params.contains(key))
            report.fail(name + ": unexpected weight " + key);
    report.note(
        name + ": " + std::to_string(used) + " tensors, " + nameOf(config.hiddenAct) +
        (config.projectionDim > 0 ? ", projection " + std::to_string(config.projectionDim) : std::string()));
    return model;
}

void checkEncoder(const OracleCase& c,
                  const std::string& name,
                  const ClipTextModel& model,
                  OracleReport& report)
{
    const std::string out = "out." + name + ".";
    const ClipTextOutput o = model->forward(c.tensor("in." + name + ".input_ids"));
    report.expectClose(
        name + ".last_hidden_state", o.lastHiddenState, c.tensor(out + "last_hidden_state"), kAtol);
    report.expectClose(
        name + ".hidden_states", at::stack(o.hiddenStates), c.tensor(out + "hidden_states"), kAtol);
    const at::Tensor penultimate = o.hiddenStates[o.hiddenStates.size() - 2];
    report.expectClose(name + ".penultimate", penultimate, c.tensor(out + "penultimate"), kAtol);
    report.expectClose(name + ".penultimate_final_ln",
                       model->applyFinalLayerNorm(penultimate),
                       c.tensor(out + "penultimate_final_ln"),
                       kAtol);
    report.expectEqual(name + ".eos_position", o.eosPosition, c.tensor(out + "eos_position"));
    if (c.has(out + "pooler_output"))
        report.expectClose(name + ".pooler_output", o.pooled, c.tensor(out + "pooler_output"), kAtol);
    if (c.has(out + "pooled_unprojected"))
        report.expectClose(
            name + ".pooled_unprojected", o.pooled, c.tensor(out + "pooled_unprojected"), kAtol);
    if (c.has(out + "text_embeds"))
        report.expectClose(name + ".text_embeds", o.textEmbeds, c.tensor(out + "text_embeds"), kAtol);
}

void runTextEncoderCase(const OracleCase& c, OracleReport& report)
{
    c10::InferenceMode inferenceMode;
    const std::filesystem::path dir = c.familyDir();
    const auto prompts = c.meta.at("prompts").get<std::vector<std::string>>();
    const ClipTextModel te1 = loadEncoder(dir, "text_encoder", c.dtype, report);
    checkEncoder(c, "text_encoder", te1, report);
    auto tok1 = ClipTokenizer::load(dir / "tokenizer");
    if (!tok1) throw std::runtime_error(tok1.error().describe());

    TextEncoderSet set{&*tok1, te1.get(), nullptr, nullptr};
    std::optional<ClipTokenizer> tok2;
    ClipTextModel te2{nullptr};
    if (c.has("in.text_encoder_2.input_ids")) {
        te2 = loadEncoder(dir, "text_encoder_2", c.dtype, report);
        checkEncoder(c, "text_encoder_2", te2, report);
        auto loaded = ClipTokenizer::load(dir / "tokenizer_2");
        if (!loaded) throw std::runtime_error(loaded.error().describe());
        tok2 = std::move(*loaded);
        set.tokenizer2 = &*tok2;
        set.textEncoder2 = te2.get();
    }

    // The full conditioning path from the prompt strings.
    auto embeds = encodePrompts(set, prompts, false, {});
    if (!embeds) throw std::runtime_error(embeds.error().describe());
    if (set.isSdxl()) {
        report.expectClose(
            "sdxl.prompt_embeds", embeds->promptEmbeds, c.tensor("out.sdxl.prompt_embeds"), kAtol);
        report.expectClose("sdxl.pooled_prompt_embeds",
                           embeds->pooledPromptEmbeds,
                           c.tensor("out.sdxl.pooled_prompt_embeds"),
                           kAtol);
    } else {
        report.expectClose("sd15.prompt_embeds",
                           embeds->promptEmbeds,
                           c.tensor("out.text_encoder.last_hidden_state"),
                           kAtol);
        TextConditioningOptions skip1;
        skip1.clipSkip = 1;
        auto skipped = encodePrompts(set, prompts, false, {}, skip1);
        if (!skipped) throw std::runtime_error(skipped.error().describe());
        report.expectClose("sd15.prompt_embeds(clip_skip=1)",
                           skipped->promptEmbeds,
                           c.tensor("out.text_encoder.penultimate_final_ln"),
                           kAtol);
    }
}

} // namespace

HDR_ORACLE_KIND("text_encoder", runTextEncoderCase);
