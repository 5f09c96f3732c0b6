#pragma once
// The A1111 "parameters" infotext, the de-facto metadata of generated PNGs, written and read so
// that images move between HDR Studio, A1111, Forge and ComfyUI readers. Format, quoting and parse
// rules follow ../shared/reference/diffusion.md §5.4 (A1111 modules/processing.py::
// create_infotext and infotext_utils.py::parse_generation_parameters):
//   <prompt>\nNegative prompt: <negative>\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, ...
// A value is written JSON-quoted when it contains ',', ':' or '\n'. Keys we add that A1111 does
// not know ("Prompt style", "LoRA", "Original size", ...) are ignored by other readers.
#include "common/Error.h"

#include <string>
#include <string_view>

namespace hdr::diffusion {

struct GenerationParameters; // generate/GenerationMetadata.h

std::string formatA1111Parameters(const GenerationParameters& p);
// Reads an A1111 infotext (ours or another tool's). Unknown keys are ignored; sampler display
// names ("Euler a", "DPM++ 2M" + "Schedule type: Karras") map back to our names.
// Errors: no parameters line (fewer than 3 "Key: value" entries on the last line).
core::Result<GenerationParameters> parseA1111Parameters(std::string_view text);

} // namespace hdr::diffusion
