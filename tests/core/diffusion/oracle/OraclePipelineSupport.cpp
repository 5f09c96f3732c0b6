#include "OraclePipelineSupport.h"

namespace hdr::test::oracle {

using namespace hdr::diffusion;

namespace {

constexpr double kEmbedTol = 1e-4; // text encoder outputs (README: components 5e-5) after concatenation

std::optional<std::array<int, 2>> pairOf(const OracleCase& c, const std::string& key)
{
    const nlohmann::json* value = caseValue(c, key);
    if (!value || value->is_null()) {
        return std::nullopt;
    }
    return std::array<int, 2>{value->at(0).get<int>(), value->at(1).get<int>()};
}

std::vector<std::string> stringsOf(const nlohmann::json& value)
{
    if (value.is_string()) {
        return {value.get<std::string>()};
    }
    return value.get<std::vector<std::string>>();
}

} // namespace

std::shared_ptr<StableDiffusionModel> openOracleModel(const OracleCase& c, const std::string& family)
{
    ModelLoadOptions options;
    options.dtype = c.dtype;
    return unwrap(StableDiffusionModel::open(c.modelsDir / family, options));
}

std::unique_ptr<Scheduler> oracleScheduler(const OracleCase& c)
{
    nlohmann::json config = c.meta.at("scheduler_config");
    config["_class_name"] = c.meta.at("scheduler");
    auto scheduler = makeScheduler(unwrap(SchedulerConfig::fromJsonText(config.dump(), c.name)));
    scheduler->setTimesteps(c.meta.at("num_inference_steps").get<int>());
    return scheduler;
}

const nlohmann::json* caseValue(const OracleCase& c, const std::string& key)
{
    for (const char* section : {"", "extra", "config"}) {
        const nlohmann::json* where = *section ? nullptr : &c.meta;
        if (*section) {
            const auto it = c.meta.find(section);
            where = it != c.meta.end() && it->is_object() ? &*it : nullptr;
        }
        if (where) {
            if (const auto it = where->find(key); it != where->end() && !it->is_null()) {
                return &*it;
            }
        }
    }
    return nullptr;
}

CasePrompts casePrompts(const OracleCase& c)
{
    CasePrompts p;
    p.prompts = stringsOf(c.meta.at("prompt"));
    const nlohmann::json* perPrompt = caseValue(c, "num_images_per_prompt");
    const int copies = perPrompt ? perPrompt->get<int>() : 1;
    std::vector<std::optional<std::string>> negatives(p.prompts.size());
    if (const nlohmann::json* negative = caseValue(c, "negative_prompt")) {
        const auto given = stringsOf(*negative);
        for (std::size_t i = 0; i < negatives.size(); ++i) {
            negatives[i] = given.size() == 1 ? given[0] : given.at(i);
        }
    }
    std::vector<std::string> prompts;
    for (std::size_t i = 0; i < p.prompts.size(); ++i) {
        for (int k = 0; k < copies; ++k) {
            prompts.push_back(p.prompts[i]);
            p.negatives.push_back(negatives[i]);
        }
    }
    p.prompts = std::move(prompts);
    if (const nlohmann::json* skip = caseValue(c, "clip_skip")) {
        p.clipSkip = skip->get<int>();
    }
    return p;
}

SdxlMicroConditioning caseMicroConditioning(const OracleCase& c)
{
    SdxlMicroConditioning m;
    m.originalSize = pairOf(c, "original_size");
    m.cropTopLeft = pairOf(c, "crops_coords_top_left");
    m.targetSize = pairOf(c, "target_size");
    m.negativeOriginalSize = pairOf(c, "negative_original_size");
    m.negativeCropTopLeft = pairOf(c, "negative_crops_coords_top_left");
    m.negativeTargetSize = pairOf(c, "negative_target_size");
    if (const nlohmann::json* a = caseValue(c, "aesthetic_score")) m.aestheticScore = a->get<double>();
    if (const nlohmann::json* a = caseValue(c, "negative_aesthetic_score"))
        m.negativeAestheticScore = a->get<double>();
    return m;
}

PromptEmbeddings encodeAndCheckPrompts(const OracleCase& c,
                                       OracleReport& report,
                                       StableDiffusionModel& model,
                                       double guidance,
                                       const std::string& prefix)
{
    const CasePrompts p = casePrompts(c);
    const EncodedPromptBatch text =
        unwrap(encodePromptBatch(model, p.prompts, p.negatives, guidance > 1.0, "diffusers", p.clipSkip));
    const std::pair<const char*, const at::Tensor*> stored[] = {
        {"prompt_embeds", &text.cond},
        {"negative_prompt_embeds", &text.uncond},
        {"pooled_prompt_embeds", &text.pooled},
        {"negative_pooled_prompt_embeds", &text.uncondPooled},
    };
    for (const auto& [name, ours] : stored) {
        if (!c.has(prefix + name)) {
            continue;
        }
        if (!ours->defined()) {
            report.fail(prefix + name + " is stored but the pipeline did not compute it");
            continue;
        }
        report.expectClose(prefix + name, *ours, c.tensor(prefix + name), kEmbedTol);
    }
    return PromptEmbeddings{text.cond, text.uncond, text.pooled, text.uncondPooled};
}

void checkTimeIds(const OracleCase& c,
                  OracleReport& report,
                  const ResolvedSdxlConditioning& ids,
                  const std::string& prefix)
{
    for (const auto& [name, which] : {std::pair{std::string("add_time_ids"), &ids.positive},
                                      std::pair{std::string("add_neg_time_ids"), &ids.negative},
                                      std::pair{std::string("negative_add_time_ids"), &ids.negative}}) {
        if (c.has(prefix + name)) {
            const at::Tensor expected = c.tensor(prefix + name);
            const at::Tensor ours = which->timeIds(expected.dim() == 2 ? expected.size(0) : 1);
            report.expectEqual(prefix + name, ours.reshape(expected.sizes()), expected);
        }
    }
}

at::Tensor stackSteps(const std::vector<at::Tensor>& steps)
{
    return steps.empty() ? at::Tensor() : at::stack(steps);
}

} // namespace hdr::test::oracle
