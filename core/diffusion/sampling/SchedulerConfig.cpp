#include "diffusion/sampling/SchedulerConfig.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace hdr::diffusion {

namespace {

struct SamplerName {
    const char* name;
    SchedulerKind kind;
    bool karras;
    bool sde;
    const char* a1111; // display name in A1111 infotext ("Sampler: ...")
};

// Short names first; class names are accepted through className() below.
constexpr std::array kSamplers{
    SamplerName{"euler", SchedulerKind::Euler, false, false, "Euler"},
    SamplerName{"euler_karras", SchedulerKind::Euler, true, false, "Euler Karras"},
    SamplerName{"euler_a", SchedulerKind::EulerAncestral, false, false, "Euler a"},
    SamplerName{"euler_ancestral", SchedulerKind::EulerAncestral, false, false, "Euler a"},
    SamplerName{"ddpm", SchedulerKind::Ddpm, false, false, "DDPM"},
    SamplerName{"ddim", SchedulerKind::Ddim, false, false, "DDIM"},
    SamplerName{"dpmpp_2m", SchedulerKind::DpmSolverMultistep, false, false, "DPM++ 2M"},
    SamplerName{"dpmpp_2m_karras", SchedulerKind::DpmSolverMultistep, true, false, "DPM++ 2M Karras"},
    SamplerName{"dpmpp_2m_sde", SchedulerKind::DpmSolverMultistep, false, true, "DPM++ 2M SDE"},
    SamplerName{"dpmpp_2m_sde_karras", SchedulerKind::DpmSolverMultistep, true, true, "DPM++ 2M SDE Karras"},
    SamplerName{"unipc", SchedulerKind::UniPc, false, false, "UniPC"},
    SamplerName{"unipc_karras", SchedulerKind::UniPc, true, false, "UniPC Karras"},
    SamplerName{"pndm", SchedulerKind::Pndm, false, false, "PLMS"},
    SamplerName{"lms", SchedulerKind::Lms, false, false, "LMS"},
    SamplerName{"lms_karras", SchedulerKind::Lms, true, false, "LMS Karras"},
};

constexpr std::array kKinds{SchedulerKind::Euler,
                            SchedulerKind::EulerAncestral,
                            SchedulerKind::Ddpm,
                            SchedulerKind::Ddim,
                            SchedulerKind::DpmSolverMultistep,
                            SchedulerKind::UniPc,
                            SchedulerKind::Pndm,
                            SchedulerKind::Lms};

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(
        out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::string joinedNames()
{
    std::string all;
    for (const auto& n : samplerNames()) {
        all += (all.empty() ? "" : ", ") + n;
    }
    return all;
}

template <typename T> void read(const nlohmann::json& j, const char* key, T& into)
{
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
        into = it->get<T>();
    }
}

template <typename T> void read(const nlohmann::json& j, const char* key, std::optional<T>& into)
{
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
        into = it->get<T>();
    }
}

} // namespace

const char* className(SchedulerKind kind)
{
    switch (kind) {
    case SchedulerKind::Euler: return "EulerDiscreteScheduler";
    case SchedulerKind::EulerAncestral: return "EulerAncestralDiscreteScheduler";
    case SchedulerKind::Ddpm: return "DDPMScheduler";
    case SchedulerKind::Ddim: return "DDIMScheduler";
    case SchedulerKind::DpmSolverMultistep: return "DPMSolverMultistepScheduler";
    case SchedulerKind::UniPc: return "UniPCMultistepScheduler";
    case SchedulerKind::Pndm: return "PNDMScheduler";
    case SchedulerKind::Lms: return "LMSDiscreteScheduler";
    }
    return "?";
}

std::string SchedulerConfig::resolvedSpacing() const
{
    if (timestepSpacing) {
        return *timestepSpacing;
    }
    return (kind == SchedulerKind::Ddpm || kind == SchedulerKind::Ddim || kind == SchedulerKind::Pndm)
               ? "leading"
               : "linspace";
}

bool SchedulerConfig::resolvedSetAlphaToOne() const
{
    if (setAlphaToOne) {
        return *setAlphaToOne;
    }
    return kind == SchedulerKind::Ddim; // DDIMScheduler's default is true, PNDMScheduler's false
}

std::vector<std::string> samplerNames()
{
    std::vector<std::string> names;
    for (const auto& s : kSamplers) {
        names.emplace_back(s.name);
    }
    for (auto kind : kKinds) {
        names.emplace_back(className(kind));
    }
    return names;
}

std::string samplerDisplayName(std::string_view name)
{
    const std::string key = lower(name);
    for (const auto& s : kSamplers) {
        if (key == s.name) {
            return s.a1111;
        }
    }
    for (auto kind : kKinds) {
        if (key == lower(className(kind))) {
            for (const auto& s : kSamplers) {
                if (s.kind == kind) {
                    return s.a1111;
                }
            }
        }
    }
    return std::string(name);
}

core::Result<SchedulerConfig> configForSampler(std::string_view name, const SchedulerConfig& modelConfig)
{
    const std::string key = lower(name);
    SchedulerConfig config = modelConfig;
    const auto named =
        std::find_if(kSamplers.begin(), kSamplers.end(), [&](const SamplerName& s) { return key == s.name; });
    if (named != kSamplers.end()) {
        config.kind = named->kind;
        config.useKarrasSigmas = named->karras;
        if (named->kind == SchedulerKind::DpmSolverMultistep) {
            config.algorithmType = named->sde ? "sde-dpmsolver++" : "dpmsolver++";
        }
    } else {
        const auto kind = std::find_if(
            kKinds.begin(), kKinds.end(), [&](SchedulerKind k) { return key == lower(className(k)); });
        if (kind == kKinds.end()) {
            return core::fail(core::ErrorCode::InvalidArgument,
                              "unknown sampler '" + std::string(name) + "'; valid names: " + joinedNames());
        }
        config.kind = *kind;
    }
    // Solver variants the other class does not know map like diffusers' constructors map them.
    if (config.kind == SchedulerKind::UniPc && config.solverType != "bh1" && config.solverType != "bh2") {
        config.solverType = "bh2";
    }
    if (config.kind == SchedulerKind::DpmSolverMultistep && config.solverType != "midpoint" &&
        config.solverType != "heun") {
        config.solverType = "midpoint";
    }
    return config;
}

core::Result<SchedulerConfig> SchedulerConfig::fromJsonText(const std::string& text, const std::string& where)
{
    return core::guarded(core::ErrorCode::CorruptData, where, [&]() -> SchedulerConfig {
        const auto j = nlohmann::json::parse(text);
        if (!j.is_object()) {
            core::throwError(core::ErrorCode::CorruptData, "scheduler config is not a JSON object", where);
        }
        SchedulerConfig c;
        if (auto it = j.find("_class_name"); it != j.end() && it->is_string()) {
            const auto kind = std::find_if(kKinds.begin(), kKinds.end(), [&](SchedulerKind k) {
                return lower(it->get<std::string>()) == lower(className(k));
            });
            if (kind == kKinds.end()) {
                std::string known;
                for (auto k : kKinds) {
                    known += (known.empty() ? "" : ", ") + std::string(className(k));
                }
                core::throwError(core::ErrorCode::InvalidArgument,
                                 "scheduler class '" + it->get<std::string>() +
                                     "' is not supported; supported: " + known,
                                 where);
            }
            c.kind = *kind;
        }
        read(j, "num_train_timesteps", c.numTrainTimesteps);
        read(j, "beta_start", c.betaStart);
        read(j, "beta_end", c.betaEnd);
        read(j, "beta_schedule", c.betaSchedule);
        read(j, "trained_betas", c.trainedBetas);
        read(j, "rescale_betas_zero_snr", c.rescaleBetasZeroSnr);
        read(j, "prediction_type", c.predictionType);
        read(j, "timestep_spacing", c.timestepSpacing);
        read(j, "steps_offset", c.stepsOffset);
        read(j, "use_karras_sigmas", c.useKarrasSigmas);
        read(j, "sigma_min", c.sigmaMin);
        read(j, "sigma_max", c.sigmaMax);
        read(j, "final_sigmas_type", c.finalSigmasType);
        read(j, "interpolation_type", c.interpolationType);
        read(j, "set_alpha_to_one", c.setAlphaToOne);
        read(j, "skip_prk_steps", c.skipPrkSteps);
        read(j, "clip_sample", c.clipSample);
        read(j, "clip_sample_range", c.clipSampleRange);
        read(j, "variance_type", c.varianceType);
        read(j, "solver_order", c.solverOrder);
        read(j, "algorithm_type", c.algorithmType);
        read(j, "solver_type", c.solverType);
        read(j, "lower_order_final", c.lowerOrderFinal);
        read(j, "euler_at_final", c.eulerAtFinal);
        read(j, "predict_x0", c.predictX0);
        read(j, "disable_corrector", c.disableCorrector);
        if (c.numTrainTimesteps < 2 || c.numTrainTimesteps > 100000) {
            core::throwError(core::ErrorCode::CorruptData,
                             "num_train_timesteps " + std::to_string(c.numTrainTimesteps) +
                                 " is outside 2..100000",
                             where);
        }
        return c;
    });
}

core::Result<SchedulerConfig> SchedulerConfig::fromJsonFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return core::fail(core::ErrorCode::IoError, "cannot open the scheduler config", path.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    return fromJsonText(text.str(), path.string());
}

} // namespace hdr::diffusion
