#pragma once

#include "common/Error.h"

#include <filesystem>

namespace hdr::core {

// Walks the attribute list of every OpenEXR header (name, type name, byte size) without
// interpreting values, and refuses a file whose attribute sizes are negative or run past the end
// of the file. OpenEXR 3.1 allocates and fills whatever size a header declares, so a 1.6 KB file
// claiming a 2 GB string attribute would otherwise exhaust memory (found by fuzz_image_reader).
Status scanExrHeaderSizes(const std::filesystem::path& path);

} // namespace hdr::core
