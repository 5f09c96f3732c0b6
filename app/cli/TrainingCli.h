#pragma once
// The generic trainer's options on the command line, shared by `itm train` and
// `exposure-model train` (core/training/TrainingOptions.h has their meaning).
#include "commandline/CliArgs.h"
#include "training/TrainingOptions.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hdr::cli {

std::vector<OptionSpec> trainingOptionSpecs();

// `--options FILE`: a JSON object of option name -> value (a string or number, true for a flag,
// an array for a repeatable option) inserted before the other arguments, so flags given on the
// command line win. This is how the app's training dashboard starts a run from a saved set.
// Returns the expanded arguments or a message a user can act on.
std::variant<std::vector<std::string>, std::string> expandOptionsFile(const std::vector<std::string>& argv);

// Fills `options` from the parsed arguments, the torchrun environment variables first and flags
// over them; returns a usage error message or nothing.
std::optional<std::string> parseTrainingOptions(const Args& args, training::TrainingOptions& options);

} // namespace hdr::cli
