#pragma once
// Sampler (noise scheduler) names and settings, torch-free so the CLI and the app can list and
// validate samplers without libtorch headers.
//
// A sampler is one of diffusers' scheduler classes plus a few switches (Karras sigmas, SDE). The
// settings mirror the keys of a diffusers `scheduler_config.json`; keys a class does not use are
// ignored, and keys absent from the file take that class's default (as diffusers' from_config
// does). See ../shared/oracle/README.md gotcha 14 for the spacing rules each class follows.
#include "common/Error.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::diffusion {

enum class SchedulerKind {
    Euler,              // EulerDiscreteScheduler
    EulerAncestral,     // EulerAncestralDiscreteScheduler
    Ddpm,               // DDPMScheduler
    Ddim,               // DDIMScheduler
    DpmSolverMultistep, // DPMSolverMultistepScheduler (DPM++ 2M, 2M SDE)
    UniPc,              // UniPCMultistepScheduler
    Pndm,               // PNDMScheduler
    Lms,                // LMSDiscreteScheduler
};

struct SchedulerConfig {
    SchedulerKind kind = SchedulerKind::Euler;

    // Training noise schedule.
    int numTrainTimesteps = 1000;
    double betaStart = 0.0001;
    double betaEnd = 0.02;
    std::string betaSchedule = "linear"; // linear | scaled_linear | squaredcos_cap_v2
    std::vector<double> trainedBetas;    // overrides betaSchedule when not empty
    bool rescaleBetasZeroSnr = false;
    std::string predictionType = "epsilon"; // epsilon | v_prediction | sample

    // Inference spacing. Absent values take the class default: "leading" for DDIM/PNDM,
    // "linspace" for the others.
    std::optional<std::string> timestepSpacing; // leading | trailing | linspace
    int stepsOffset = 0;

    bool useKarrasSigmas = false;   // Euler, LMS, DPM++, UniPC
    std::optional<double> sigmaMin; // Karras range overrides (Euler, DPM++)
    std::optional<double> sigmaMax;
    std::string finalSigmasType = "zero";     // zero | sigma_min (Euler, DPM++, UniPC)
    std::string interpolationType = "linear"; // Euler: linear | log_linear

    std::optional<bool> setAlphaToOne;        // DDIM default true, PNDM default false
    bool skipPrkSteps = true;                 // PNDM: only PLMS steps are supported
    double eta = 0.0;                         // DDIM: 0 = deterministic
    bool clipSample = false;                  // DDIM, DDPM
    std::string varianceType = "fixed_small"; // DDPM: fixed_small | fixed_large
    double clipSampleRange = 1.0;

    int solverOrder = 2;                       // DPM++ / UniPC
    std::string algorithmType = "dpmsolver++"; // dpmsolver++ | sde-dpmsolver++
    std::string solverType = "midpoint";       // DPM++: midpoint | heun; UniPC: bh1 | bh2
    bool lowerOrderFinal = true;
    bool eulerAtFinal = false;
    bool predictX0 = true;             // UniPC
    std::vector<int> disableCorrector; // UniPC: step indices without the corrector

    std::string resolvedSpacing() const;
    bool resolvedSetAlphaToOne() const;

    // Parses a diffusers scheduler_config.json ("_class_name" picks the kind; an unknown class
    // is an error naming the supported ones).
    static core::Result<SchedulerConfig> fromJsonText(const std::string& text, const std::string& where = {});
    static core::Result<SchedulerConfig> fromJsonFile(const std::filesystem::path& path);
};

// Sampler names users type: short names (euler, euler_a, ddpm, ddim, dpmpp_2m, dpmpp_2m_karras,
// dpmpp_2m_sde, dpmpp_2m_sde_karras, euler_karras, unipc, unipc_karras, pndm, lms, lms_karras)
// and diffusers class names (EulerDiscreteScheduler, ...).
std::vector<std::string> samplerNames();
// A1111's display name ("Euler a", "DPM++ 2M Karras") for the infotext; the short name if none.
std::string samplerDisplayName(std::string_view name);

// The model's own scheduler settings (betas, spacing, offset, prediction type) switched to the
// named sampler, like `XScheduler.from_config(pipe.scheduler.config)` plus the name's switches.
// An unknown name gives InvalidArgument listing the valid names.
core::Result<SchedulerConfig> configForSampler(std::string_view name, const SchedulerConfig& modelConfig);

const char* className(SchedulerKind kind);

} // namespace hdr::diffusion
