#pragma once
// Torch-free names and parsing for bracketed generation, shared by the request spec, the CLI and
// the GUI: the exposure strategies (BracketStrategy.h implements them) and the bracket list.
// EVs are stops relative to the middle bracket.
#include "common/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace hdr::diffusion {

enum class BracketStrategy { Reference, Calibrated };
const char* nameOf(BracketStrategy strategy); // "reference", "calibrated"
std::optional<BracketStrategy> bracketStrategyFromName(const std::string& name);

// exp * (i - (N-1)/2) for i = 0..N-1 (N >= 2).
std::vector<double> evenBracketEvs(int count, double exposureStep);
// "3" / "5" (a count, spaced by exposureStep) or "-2,0,2" (explicit EVs, sorted ascending).
core::Result<std::vector<double>> parseBracketSpec(const std::string& spec, double exposureStep);

} // namespace hdr::diffusion
