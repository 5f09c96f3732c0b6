#pragma once
// What the Generate panel collects, independent of its widgets: size presets per architecture,
// the bracket EV list, validation with a sentence the user can act on, and the translation into
// the torch-free diffusion::BracketedRequest. Sizes are pixels; EVs are stops relative to the
// middle bracket.
#include "diffusion/pipeline/BracketedRequest.h"

#include <QSize>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace hdr::ui {

// Sampler short names the core accepts (diffusion/sampling/SchedulerConfig.h samplerNames()).
QStringList generationSamplerNames();
// "sdxl" -> SDXL aspect buckets (1024x1024 first), "sd15" -> SD 1.5 sizes (512x512 first);
// anything else (no model yet) -> the SDXL buckets.
std::vector<QSize> sizePresets(const QString& arch);
// The user-facing name of an architecture: "SDXL base", "SD 1.5".
QString architectureLabel(const QString& arch);

// count brackets spaced `step` stops apart, centred on 0 (3, 1.0 -> -1, 0, +1).
std::vector<double> evenBracketEvList(int count, double step);
// "-2, 0, 2" (commas or spaces) -> sorted EVs; nullopt with `error` set when it is not a list of
// two or more distinct numbers within +-10 stops.
std::optional<std::vector<double>> parseEvList(const QString& text, QString* error);
// "−1 EV", "+0.5 EV", "0 EV" (true minus sign, for labels).
QString formatEv(double ev);

struct GenerationOptions {
    QString model;
    QString arch; // "sd15" / "sdxl" once inspected; empty while unknown or unusable
    QString prompt, negative;
    QString initImage;      // img2img input (empty: txt2img); its size, cropped to multiples of 8, wins
    double strength = 0.75; // img2img: the fraction of the steps that re-noise the input
    QString sampler = QStringLiteral("euler_a");
    QString promptStyle = QStringLiteral("a1111"); // a1111 | diffusers
    int steps = 20;
    double cfg = 7.0;
    qint64 seed = -1; // -1: a random seed is drawn at submission
    int width = 1024, height = 1024;
    QString dtype = QStringLiteral("fp32");
    int threads = 0; // 0: all cores
    // Memory on small machines: free the text encoders and the UNet once done; decode the VAE in
    // tiles of this many pixels (0: one piece; SDXL 1024x1024 fp32 peaks at 8.4 GB, tiled 512: 1.5).
    bool offload = false;
    int vaeTile = 0;
    std::vector<double> evs{-1.0, 0.0, 1.0};
    double exposureStep = 1.0;
    bool useFraction = false; // branch for a fraction of the steps instead of below a timestep
    double timestep = 200.0;
    double fraction = 0.3;
    QString strategy = QStringLiteral("reference");
    QString outputDir;
    QStringList formats{QStringLiteral("exr"), QStringLiteral("png")};
    bool saveBrackets = false;
};

// Empty when the options can be submitted; otherwise why not, in one sentence.
QString validationProblem(const GenerationOptions& options);

// The request the core runs; `seed` is the resolved seed (never -1).
diffusion::BracketedRequest toBracketedRequest(const GenerationOptions& options, std::uint64_t seed);

} // namespace hdr::ui
