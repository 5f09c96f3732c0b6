#pragma once
// What the Generate panel collects: the core's own request (defaults, ranges and validation come
// from bracketedRequestSpec(), as for the CLI) plus the panel's state the core does not know (the
// inspected architecture, a seed still to be drawn). Also the size presets per architecture and
// EV labels. Sizes are pixels; EVs are stops relative to the middle bracket.
#include "bracketed/BracketedRequest.h"
#include "gmdiffusion/GainMapRequest.h"

#include <QSize>
#include <QString>
#include <QStringList>

#include <vector>

namespace hdr::ui {

// "sdxl" -> SDXL aspect buckets (1024x1024 first), "sd15" -> SD 1.5 sizes (512x512 first);
// anything else (no model yet) -> the SDXL buckets.
std::vector<QSize> sizePresets(const QString& arch);
// The user-facing name of an architecture: "SDXL base", "SD 1.5".
QString architectureLabel(const QString& arch);
// Sampler names for the panel: the spec's choices without the diffusers class names.
QStringList generationSamplerNames();
// "−1 EV", "+0.5 EV", "0 EV" (true minus sign, for labels).
QString formatEv(double ev);

enum class GenerationMethod {
    Brackets, // exposure-bracketed diffusion (BracketedRequest)
    GainMap,  // gain-map decomposed diffusion, GM-Diffusion (GainMapRequest)
};

struct GenerationOptions {
    GenerationMethod method = GenerationMethod::Brackets;
    // The shared settings (prompt, model, sampling, size, memory) are in both requests; each
    // method's own settings only in its own. The seed is replaced at submission when seed < 0.
    diffusion::BracketedRequest request;
    diffusion::GainMapRequest gainMap;
    QString arch;           // "sd15" / "sdxl" once inspected; empty while unknown
    QString gainMapProblem; // the gain-map UNet picker's state (empty: usable)
    qint64 seed = -1;       // -1: a random seed is drawn at submission
};

// Empty when the options can be submitted; otherwise why not, in one sentence: the panel's own
// rules (a recognised model, a prompt) first, then the method's request spec.
QString validationProblem(const GenerationOptions& options);

// The request the core runs; `seed` is the resolved seed (never -1).
diffusion::BracketedRequest toBracketedRequest(const GenerationOptions& options, std::uint64_t seed);
diffusion::GainMapRequest toGainMapRequest(const GenerationOptions& options, std::uint64_t seed);

// "-2, 0 2" / "−1.5;1.5" -> the EV list through the request spec (sorted); nullopt with `error`
// set when the spec refuses it.
std::optional<std::vector<double>> parseEvList(const QString& text, QString* error);

} // namespace hdr::ui
