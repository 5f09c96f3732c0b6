#pragma once

// Per-format entry points behind ImageIO. Each reader/writer lives in its own file
// (ExrIO.cpp, RgbeIO.cpp, TiffIO.cpp, PngIO.cpp, JpegIO.cpp, DngWriter.cpp).
// Writers receive resolved options (format, sample type and primaries already decided) and must
// write through AtomicOutputFile.

#include "io/ImageIO.h"

#include <cstddef>
#include <span>
#include <vector>

namespace hdr::core {

// --- OpenEXR (OpenEXR 3.1 library) ---
struct ExrPartInfo {
    int index = 0;
    std::string name;
    std::string type; // "scanlineimage", "tiledimage", "deepscanline", ...
    int dataX = 0, dataY = 0, dataWidth = 0, dataHeight = 0; // data window
    int displayX = 0, displayY = 0, displayWidth = 0, displayHeight = 0;
    std::string compression;
    std::vector<std::string> channels; // "R:half", "beauty.G:float", ...
    std::vector<std::string> layers;   // distinct layer prefixes with colour channels ("" = none)
};
Result<std::vector<ExrPartInfo>> inspectExr(const std::filesystem::path& path);
Result<ImageF> readExr(const std::filesystem::path& path, const ReadOptions& options);
Status writeExr(const ImageF& image, const std::filesystem::path& path, const WriteOptions& options);

// --- Radiance RGBE (our own parser) ---
Result<ImageF>
decodeRgbe(std::span<const std::byte> bytes, const ReadOptions& options, const std::string& name);
Result<ImageF> readRgbe(const std::filesystem::path& path, const ReadOptions& options);
std::vector<std::byte> encodeRgbe(const ImageF& image, const std::map<std::string, std::string>& headerLines);
Status writeRgbe(const ImageF& image, const std::filesystem::path& path, const WriteOptions& options);

// --- TIFF (libtiff): 8/16-bit display-referred, 32-bit float scene-linear ---
Result<ImageF> readTiff(const std::filesystem::path& path, const ReadOptions& options);
Status writeTiffFloat(const ImageF& image, const std::filesystem::path& path, const WriteOptions& options);
Status
writeTiffDisplay(const DisplayImage16& image, const std::filesystem::path& path, const WriteOptions& options);

// --- PNG (libpng): 8/16-bit, iCCP, cICP, tEXt ---
Result<ImageF> readPng(const std::filesystem::path& path, const ReadOptions& options);
Status
writePngDisplay(const DisplayImage16& image, const std::filesystem::path& path, const WriteOptions& options);

// --- JPEG (libjpeg-turbo): 8-bit, ICC in APP2 ---
Result<ImageF> readJpeg(const std::filesystem::path& path, const ReadOptions& options);
Status
writeJpegDisplay(const DisplayImage16& image, const std::filesystem::path& path, const WriteOptions& options);

// In-memory JPEG codec for the gain-map (Ultra HDR) reader and writer: 8-bit grey or RGB samples,
// ICC profile, EXIF orientation (not applied), extra APPn segments written after the ICC profile.
struct DecodedJpeg8 {
    int width = 0, height = 0, components = 0; // 1 or 3
    std::vector<std::uint8_t> samples;
    std::vector<std::uint8_t> icc;
    int orientation = 1;
};
// The frame size of an in-memory JPEG from its header alone, checked against the limits and
// against the bytes given (a JPEG holds at most 512 pixels per byte, see JpegIO.cpp); nothing is
// decoded. decodeJpegBytes() makes the same checks first.
struct JpegFrameInfo {
    int width = 0, height = 0, components = 0; // components as decoded: 1, 3 (or 4: CMYK)
};
Result<JpegFrameInfo>
inspectJpegBytes(std::span<const std::uint8_t> bytes, const ImageLimits& limits, const std::string& where);
Result<DecodedJpeg8>
decodeJpegBytes(std::span<const std::uint8_t> bytes, const ImageLimits& limits, const std::string& where);
struct JpegMarker {
    int marker = 0; // 0xE1 = APP1, 0xE2 = APP2
    std::vector<std::uint8_t> payload;
};
Result<std::vector<std::uint8_t>> encodeJpegBytes(const std::uint8_t* samples,
                                                  int width,
                                                  int height,
                                                  int components,
                                                  int quality,
                                                  const std::vector<std::uint8_t>& icc,
                                                  const std::vector<JpegMarker>& markers,
                                                  bool rgbWithoutYcc = false);

// --- DNG (linear DNG writer: LinearRaw RGB, 16-bit or float) ---
Status writeDng(const ImageF& image, const std::filesystem::path& path, const WriteOptions& options);

} // namespace hdr::core
