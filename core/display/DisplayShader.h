#pragma once

#include "common/Error.h"
#include "display/DisplayTransform.h"

#include <string>
#include <vector>

namespace hdr::core {

class OcioConfig;

// A lookup table the generated shader samples: OpenColorIO's 1D LUTs come as 2D textures
// (width x height, rows of at most the max texture width), its 3D LUTs as edge³ RGB textures.
struct ShaderLut {
    std::string samplerName;
    int width = 0;
    int height = 1;
    int depth = 0;    // > 0: a 3D texture (width = height = depth = edge)
    int channels = 1; // 1 (red only) or 3 (RGB)
    bool linearFilter = true;
    std::vector<float> values;
};

// The viewer's GPU display program (GLSL 3.30 core): the same chain as DisplayTransform, per
// fragment. The OCIO display/view is OpenColorIO's generated shader function (its GPU renderer,
// OCIO::GpuShaderDesc) with its LUT textures; exposure, offset, gamma, the primaries matrix, the
// tone mapper (all ToneMapOperator kinds, ported from tonemap/ToneMap.cpp) and the overlays are
// uniforms, so only a display/view or input-space change needs a new program.
// The image is sampled exactly as renderViewport does: integer textures give each viewport
// column / row its mip-level column / row (ViewportSampling), so both paths show the same pixels.
//
// Uniforms: u_image (sampler2D, RGB32F level), u_columns / u_rows (isampler2D, R32I, width x 1,
// -1 outside), u_viewHeight (int), plus the per-frame values of DisplayShaderUniforms.
struct DisplayShaderProgram {
    std::string key; // equal keys: the same program (OCIO input space, display, view)
    std::string vertexSource;
    std::string fragmentSource;
    std::vector<ShaderLut> luts;
};

// The program key for these settings, without generating anything (for program caches).
std::string displayShaderKey(const DisplaySettings& settings,
                             const OcioConfig* config,
                             const LinearColorSpace& inputPrimaries);

// Errors name the display / view that does not exist, or OCIO's reason.
Result<DisplayShaderProgram> makeDisplayShader(const DisplaySettings& settings,
                                               const OcioConfig* config,
                                               const LinearColorSpace& inputPrimaries);

// Per-frame uniform values (names in the shader in comments).
struct DisplayShaderUniforms {
    float exposureScale = 1.0f; // u_exposureScale = 2^EV
    float offset = 0.0f;        // u_offset
    float inverseGamma = 1.0f;  // u_inverseGamma; u_applyGamma when gamma != 1
    bool applyGamma = false;
    bool convertToRec709 = false;                     // u_convertToRec709
    Mat3 toRec709 = identity3();                      // u_toRec709 (row-major here; uploaded transposed)
    int toneMapOperator = 0;                          // u_toneMap = int(ToneMapOperator)
    float whitePoint = 1e30f;                         // u_whitePoint
    float dragoBias = 0.85f;                          // u_dragoBias
    float logAverageLuminance = 0.18f;                // u_logAverageLuminance
    float maxLuminance = 1.0f;                        // u_maxLuminance
    float peakScale = 1.0f;                           // u_peakScale = 1 / effective peak (LinearScale, MuLaw)
    float mu = 5000.0f;                               // u_mu
    float muNorm = 1.0f;                              // u_muNorm = 1 / log1p(mu)
    float key = 0.18f;                                // u_key
    int overlay = 0;                                  // u_overlay = int(DisplayOverlay)
    float clipThreshold = 1.0f;                       // u_clipThreshold = 2^headroom
    Vec3 luminanceWeights{0.2126f, 0.7152f, 0.0722f}; // u_luminanceWeights (input primaries)
};
DisplayShaderUniforms displayShaderUniforms(const DisplaySettings& settings,
                                            const OcioConfig* config,
                                            const LinearColorSpace& inputPrimaries);

} // namespace hdr::core
