#pragma once
// Pictures in and out of the batch tree (internal to hdr_batch). The workflow works on display
// values (sRGB code values in [0, 1], as the VAE and ESRGAN produce and take them); files are 8-bit
// sRGB PNGs with the A1111 "parameters" text chunk, written into a path an OutputSet staged.
#include "common/Error.h"
#include "image/Image.h"

#include <filesystem>
#include <string>
#include <vector>

namespace hdr::batch {

// Interleaved RGB display values -> an ImageF holding them (not scene-linear: see the note above).
core::ImageF displayImageFrom(const std::vector<float>& rgb, int width, int height);

// Writes `display` (RGB, values clamped to [0, 1]) as an 8-bit PNG to `path`, replacing the empty
// file an OutputSet staged there.
core::Status writeDisplayPng(const core::ImageF& display,
                             const std::string& parameters,
                             const std::filesystem::path& path);

// Reads a picture's code values (sRGB-encoded, [0, 1], RGB). Scene-linear files are refused.
core::Result<core::ImageF> readDisplayPicture(const std::filesystem::path& path);

// Writes text to a staged path.
core::Status writeStagedText(const std::filesystem::path& path, const std::string& text);

// The region (x, y, width, height) of `image`, grown to multiples of 8 by repeating the edge
// pixels (the diffusion pipeline crops its input to multiples of 8).
core::ImageF cropPaddedToMultipleOf8(const core::ImageF& image, int x, int y, int width, int height);
// The top-left width x height of `image`.
core::ImageF cropTopLeft(const core::ImageF& image, int width, int height);

} // namespace hdr::batch
