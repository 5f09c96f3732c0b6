#pragma once

#include "common/Error.h"
#include "common/JobContext.h"
#include "image/Image.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hdr::core {

// Synthesises the exposure stack a camera would have recorded of a scene-linear HDR image
// (relative units, Rec.709), for testing merge, fusion and exposure selection against a known
// truth. Per frame k with exposure value EV_k (../shared/reference/hdr.md §1.7 uses the same
// recipe):
//   x  = 2^EV_k · scene                                   (sensor-linear; 1.0 = sensor saturation)
//   x' = Poisson(x · photonsAtWhite) / photonsAtWhite + N(0, noiseSigma²)   (when enabled, seeded)
//   v  = response(clamp(x', 0, 1))                        (srgb | gamma γ | film)
//   code = round(255 v), optionally JPEG-encoded and decoded at `jpegQuality` through core/io.
// Film response = sRGB encoding of the Narkowicz ACES fit x(2.51x + 0.03)/(x(2.43x + 0.59) + 0.14)
// (an S-shaped, shoulder-compressing curve; hdr.md §3.1).
// EXIF: FNumber and ISO fixed, ExposureTime = baseExposureTime · 2^EV_k (so the EV differences are
// in the shutter). Metadata corruption for robustness tests: missing (no EXIF), wrong (every other
// frame's time off by one stop), swapped (first and last frames' times exchanged).
enum class ResponseCurve { Srgb, Gamma, Film };
enum class MetadataCorruption { None, Missing, Wrong, Swapped };

const char* nameOf(ResponseCurve r);
const char* nameOf(MetadataCorruption c);

struct BracketParams {
    std::vector<float> evs{-2.0f, 0.0f, 2.0f};
    ResponseCurve response = ResponseCurve::Srgb;
    float gamma = 2.2f;
    float noiseSigma = 0.0f;     // Gaussian read noise, sensor-linear units
    float photonsAtWhite = 0.0f; // Poisson shot noise: photo-electrons at saturation; 0 = off
    int jpegQuality = 0;         // 0: lossless 8-bit (PNG files); 1-100: JPEG round trip
    MetadataCorruption corruption = MetadataCorruption::None;
    std::uint64_t seed = 1;
    double baseExposureTime = 1.0 / 60.0; // seconds at EV 0
    double fNumber = 8.0;
    int iso = 100;

    Status validate() const;
};

struct BracketFrame {
    float ev = 0;
    ImageF signal;                  // display-encoded code values / 255, RGB, what the file holds
    double exposureTime = 0;        // the truth
    double writtenExposureTime = 0; // what the EXIF says (0 = none), after corruption
};

// Response curve v = f(x) for x in [0, 1].
float applyResponse(const BracketParams& params, float sensorLinear);

Result<std::vector<BracketFrame>>
synthesizeBrackets(const ImageF& scene, const BracketParams& params, JobContext& ctx);

// Writes frame_00.jpg/png ... (JPEG with an EXIF APP1 when jpegQuality > 0) and brackets.json
// (parameters, per-frame truth and written metadata) into `dir` (created). Returns the frame paths.
Result<std::vector<std::filesystem::path>> writeBrackets(const std::vector<BracketFrame>& frames,
                                                         const BracketParams& params,
                                                         const std::filesystem::path& dir,
                                                         bool overwrite);

// A minimal EXIF APP1 payload ("Exif\0\0" + little-endian TIFF) with ExposureTime, FNumber and
// ISOSpeedRatings; exposed for tests.
std::vector<std::uint8_t> makeExifPayload(double exposureTime, double fNumber, int iso);

} // namespace hdr::core
