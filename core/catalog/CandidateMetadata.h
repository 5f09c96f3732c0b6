#pragma once
// Filling a Candidate from what describes it: the batch generator's metadata JSON, or the PNG's
// A1111 "parameters" text. Both tolerate missing or mistyped fields (a field that cannot be read
// stays unknown); only an unreadable file is reported, in Candidate::problem.
//
// Batch layout (written by the batch generator):
//   stage1/<stamp>_stage1_<W>x<H>.png     the candidates
//   metadata/<stem>.json                  {"stage", "image", "stamp", "parameters": {prompt, negative,
//                                         seed, sampler, steps, cfg, width, height, model, modelName,
//                                         lora: ["path:strength"], parameters: infotext},
//                                         "loras": [{kind, name, path, strength}], "promptOptions",
//                                         "finals": ["final/<stamp>_final_<W>x<H>.png", ...]}
//   final/<stamp>_final_<W2>x<H2>.{png,exr}  upscaled picks
#include "catalog/Candidate.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace hdr::catalog {

inline constexpr std::size_t kMaxMetadataBytes = 4u << 20;

// The stamp of a batch file name: "<stamp>_stage1_<W>x<H>" or "<stamp>_final_<W>x<H>" -> stamp;
// empty when the stem does not follow the pattern.
std::string stampOfStem(std::string_view stem);

// Reads `json` (the candidate's metadata file) into `c`. Relative "finals" resolve against `root`.
// Returns false (with c.problem set) when the file cannot be read or parsed.
bool readMetadataJson(const std::filesystem::path& json, const std::filesystem::path& root, Candidate& c);

// Reads the image's size and "parameters" text (PNG only; other formats are left unknown).
void readImageParameters(Candidate& c);

// Fills the generation fields of `c` from an A1111 infotext.
void applyInfotext(std::string_view infotext, Candidate& c);

} // namespace hdr::catalog
