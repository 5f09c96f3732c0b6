#pragma once
// One image of a gallery: a stage-1 candidate of a batch run (with its metadata JSON and finals)
// or any image of a plain folder (with what its A1111 "parameters" text says, if anything).
#include "catalog/CullMarks.h"
#include "catalog/Infotext.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hdr::catalog {

struct Candidate {
    std::filesystem::path image;                  // absolute
    std::filesystem::path metadata;               // the metadata JSON; empty when there is none
    std::optional<std::filesystem::path> sidecar; // the XMP sidecar read; unset when there is none
    std::string stem;                             // file name without extension
    std::string stamp; // "YYYYMMDD_HHMMSS" or "YYYYMMDD_HHMMSS-n" of a batch file; else empty

    std::string prompt;
    std::optional<std::string> negative;
    std::optional<std::uint64_t> seed;
    std::string sampler;
    int steps = 0;    // 0: unknown
    double cfg = 0.0; // 0: unknown
    int width = 0;    // pixels; 0: unknown
    int height = 0;
    std::string modelName;
    std::vector<LoraUse> loras;
    std::vector<std::string> promptOptions;    // the batch's optional prompt phrases drawn for this one
    std::string parameters;                    // the A1111 infotext as stored
    std::vector<std::filesystem::path> finals; // upscaled results (absolute), sorted

    CullMarks marks;
    std::int64_t modifiedNs = 0; // the image's modification time (sort fallback without a stamp)
    std::string problem;         // what could not be read (metadata, sidecar); the image is still listed
};

// Order of two stamps by time ("20250101_120000-2" before "20250101_120000-10"); an empty stamp
// sorts first.
int compareStamps(const std::string& a, const std::string& b);

} // namespace hdr::catalog
