#pragma once
// The size and text chunks of a PNG without decoding its pixels: a gallery of thousands of
// generated images needs only the A1111 "parameters" text. Walks the chunk list and seeks over
// everything else (IDAT included), so the cost is a few small reads per file, not a decode
// (core::readImage of a 1024x1024 PNG decodes and linearises 4 MiB of pixels).
#include "common/Error.h"

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

namespace hdr::catalog {

struct PngTextInfo {
    int width = 0;
    int height = 0;
    std::map<std::string, std::string> text; // keyword -> UTF-8 text (tEXt, zTXt, iTXt)
};

struct PngTextLimits {
    std::size_t maxTextBytes = 1u << 20; // per chunk, after decompression
    std::size_t maxChunks = 100000;      // bounds the walk over a hostile file
};

// Errors: UnsupportedFormat when the file is not a PNG; CorruptData for a broken chunk list (a
// truncation after IHDR keeps what was read).
core::Result<PngTextInfo> readPngText(const std::filesystem::path& path, const PngTextLimits& limits = {});

} // namespace hdr::catalog
