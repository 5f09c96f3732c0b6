#pragma once
// The batch config file: a YAML mapping of batchConfigSpec() keys (the `batch` flags without the
// dashes; resources/batch/example.yaml shows every key). Relative paths are relative to the
// file's folder. Lists ("sizes") are YAML sequences or one scalar; "key:" with no value leaves a
// setting that may be unset (seed, negative) unset, and empties a path or text. Unknown keys,
// repeated keys, values of the wrong type and values out of range are InvalidArgument errors whose
// message names the key and its line ("line 12, steps: Steps must be 1 to 1000."); `where` is the file.
#include "batch/BatchConfig.h"
#include "common/Error.h"

#include <filesystem>
#include <string_view>

namespace hdr::batch {

inline constexpr std::size_t kMaxConfigBytes = 1u << 20;

// Reads `text` over `config` (keys absent from the text keep their value). `baseDir` resolves
// relative paths; `where` names the source in errors.
core::Status applyBatchConfigYaml(BatchConfig& config,
                                  std::string_view text,
                                  const std::filesystem::path& baseDir,
                                  const std::string& where);

// The defaults overlaid with the file.
core::Result<BatchConfig> readBatchConfig(const std::filesystem::path& file);

} // namespace hdr::batch
