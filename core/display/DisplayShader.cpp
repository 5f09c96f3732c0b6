#include "display/DisplayShader.h"

#include "color/Ocio.h"

#include <OpenColorIO/OpenColorIO.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>

namespace OCIO = OCIO_NAMESPACE;

namespace hdr::core {
namespace {

constexpr const char* kOcioFunction = "hdrOcioDisplay";

std::string glslFloat(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9e", v);
    return buf;
}

// OcioConfig keeps its OCIO objects private; the GPU side opens the same file once per path.
Result<OCIO::ConstConfigRcPtr> ocioConfigFor(const OcioConfig& config)
{
    static std::mutex mutex;
    static std::map<std::string, OCIO::ConstConfigRcPtr> configs;
    const std::string path = config.path().string();
    std::lock_guard lock(mutex);
    if (auto it = configs.find(path); it != configs.end()) {
        return it->second;
    }
    try {
        OCIO::ConstConfigRcPtr loaded = OCIO::Config::CreateFromFile(path.c_str());
        configs[path] = loaded;
        return loaded;
    } catch (const OCIO::Exception& e) {
        return fail(
            ErrorCode::CorruptData, std::string("the OpenColorIO config cannot be used: ") + e.what(), path);
    }
}

// The ToneMap.cpp constants the shader needs as numbers (kept beside the GLSL port below).
float agxContrast(float x)
{
    const float x2 = x * x, x4 = x2 * x2;
    return 15.5f * x4 * x2 - 40.14f * x4 * x + 31.96f * x4 - 6.868f * x2 * x + 0.4298f * x2 + 0.1191f * x -
           0.00232f;
}
float agxPeakX()
{
    float best = 0.0f, bestY = -1.0f;
    for (int i = 0; i <= 4096; ++i) {
        const float t = float(i) / 4096.0f;
        if (agxContrast(t) > bestY) {
            bestY = agxContrast(t);
            best = t;
        }
    }
    return best;
}
float hableCurve(float x)
{
    constexpr float A = 0.15f, B = 0.50f, C = 0.10f, D = 0.20f, E = 0.02f, F = 0.30f;
    return (x * (A * x + C * B) + D * E) / (x * (A * x + B) + D * F) - E / F;
}
constexpr float kAgxInset[9] = {0.842479062253094f,
                                0.0784335999999992f,
                                0.0792237451477643f,
                                0.0423282422610123f,
                                0.878468636469772f,
                                0.0791661274605434f,
                                0.0423756549057051f,
                                0.0784336f,
                                0.879142973793104f};

std::string glslMat3RowMajor(const Mat3& m)
{
    // GLSL's mat3 constructor takes columns.
    std::string s = "mat3(";
    for (int col = 0; col < 3; ++col) {
        for (int row = 0; row < 3; ++row) {
            s += glslFloat(m[std::size_t(row * 3 + col)]);
            s += (col == 2 && row == 2) ? ")" : ", ";
        }
    }
    return s;
}

std::string falseColorTable()
{
    // The 8-bit colours falseColorForLuminance gives each band, from -12 to +8 EV.
    std::string s = "const vec3 kFalseColor[21] = vec3[21](";
    for (int ev = -12; ev <= 8; ++ev) {
        const std::uint32_t c = falseColorForLuminance(std::ldexp(1.0f, ev));
        s += "vec3(" + glslFloat(((c >> 16) & 0xff) / 255.0) + ", " + glslFloat(((c >> 8) & 0xff) / 255.0) +
             ", " + glslFloat((c & 0xff) / 255.0) + ")" + (ev < 8 ? ", " : ");\n");
    }
    return s;
}

const char* kVertexSource = R"(#version 330 core
// One triangle that covers the viewport; the fragment shader does all the work.
void main()
{
    vec2 p = vec2(gl_VertexID == 1 ? 3.0 : -1.0, gl_VertexID == 2 ? 3.0 : -1.0);
    gl_Position = vec4(p, 0.0, 1.0);
}
)";

// GLSL port of tonemap/ToneMap.cpp (toneMapPixel): keep the two in step; tst_glviewer compares
// every operator against the CPU path.
const char* kToneMapSource = R"(
uniform int u_toneMap;
uniform float u_whitePoint;
uniform float u_dragoBias;
uniform float u_logAverageLuminance;
uniform float u_maxLuminance;
uniform float u_peakScale;
uniform float u_mu;
uniform float u_muNorm;
uniform float u_key;

float lum(vec3 c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

vec3 scaleToLuminance(vec3 c, float ld)
{
    float l = lum(c);
    float k = l > 0.0 ? ld / l : 0.0;
    return min(vec3(1.0), c * k);
}

float rrtAndOdtFit(float v)
{
    float a = v * (v + 0.0245786) - 0.000090537;
    float b = v * (0.983729 * v + 0.4329510) + 0.238081;
    return a / b;
}

vec3 acesFitted(vec3 c)
{
    float ir = 0.59719 * c.r + 0.35458 * c.g + 0.04823 * c.b;
    float ig = 0.07600 * c.r + 0.90834 * c.g + 0.01566 * c.b;
    float ib = 0.02840 * c.r + 0.13383 * c.g + 0.83777 * c.b;
    float fr = rrtAndOdtFit(ir), fg = rrtAndOdtFit(ig), fb = rrtAndOdtFit(ib);
    return clamp(vec3(1.60475 * fr - 0.53108 * fg - 0.07367 * fb,
                      -0.10208 * fr + 1.10813 * fg - 0.00605 * fb,
                      -0.00327 * fr - 0.07276 * fg + 1.07602 * fb), 0.0, 1.0);
}

float agxContrast(float x)
{
    float x2 = x * x, x4 = x2 * x2;
    return 15.5 * x4 * x2 - 40.14 * x4 * x + 31.96 * x4 - 6.868 * x2 * x + 0.4298 * x2 + 0.1191 * x - 0.00232;
}

vec3 agx(vec3 c)
{
    vec3 v = AGX_INSET * c;
    vec3 ev = clamp(log2(max(v, vec3(1e-10))), -12.47393, 4.026069);
    vec3 t = min((ev + 12.47393) / (4.026069 + 12.47393), vec3(AGX_PEAK_X));
    v = vec3(agxContrast(t.r), agxContrast(t.g), agxContrast(t.b));
    vec3 o = AGX_OUTSET * v;
    return pow(clamp(o, 0.0, 1.0), vec3(2.2));
}

vec3 pbrNeutral(vec3 c)
{
    const float startCompression = 0.8 - 0.04;
    const float desaturation = 0.15;
    float x = min(c.r, min(c.g, c.b));
    float offset = x < 0.08 ? x - 6.25 * x * x : 0.04;
    c -= offset;
    float peak = max(c.r, max(c.g, c.b));
    if (peak < startCompression) {
        return clamp(c, 0.0, 1.0);
    }
    const float d = 1.0 - startCompression;
    float newPeak = 1.0 - d * d / (peak + d - startCompression);
    c *= newPeak / peak;
    float g = 1.0 - 1.0 / (desaturation * (peak - newPeak) + 1.0);
    return clamp(c * (1.0 - g) + newPeak * g, 0.0, 1.0);
}

float hableCurve(float x)
{
    const float A = 0.15, B = 0.50, C = 0.10, D = 0.20, E = 0.02, F = 0.30;
    return (x * (A * x + C * B) + D * E) / (x * (A * x + B) + D * F) - E / F;
}

vec3 hable(vec3 c)
{
    return clamp(vec3(hableCurve(2.0 * c.r), hableCurve(2.0 * c.g), hableCurve(2.0 * c.b)) * HABLE_WHITE_SCALE,
                 0.0, 1.0);
}

vec3 toneMap(vec3 c)
{
    c = min(max(mix(c, vec3(0.0), isnan(c)), vec3(0.0)), vec3(1e8));
    if (u_toneMap == 1) { // Reinhard (extended)
        float l = lum(c);
        float w2 = u_whitePoint * u_whitePoint;
        return scaleToLuminance(c, l * (1.0 + l / w2) / (1.0 + l));
    } else if (u_toneMap == 2) { // Drago
        float la = u_logAverageLuminance;
        float lw = lum(c) / la;
        float lmax = u_maxLuminance / la;
        float e = log(u_dragoBias) / log(0.5);
        float ld = log(lw + 1.0) / (log2(lmax + 1.0) * 0.30102999566 * log(2.0 + 8.0 * pow(lw / lmax, e)));
        return scaleToLuminance(c, clamp(ld, 0.0, 1.0));
    } else if (u_toneMap == 3) {
        return acesFitted(c);
    } else if (u_toneMap == 4) {
        return agx(c);
    } else if (u_toneMap == 5) {
        return pbrNeutral(c);
    } else if (u_toneMap == 6) {
        return hable(c);
    } else if (u_toneMap == 7) { // LinearScale
        return min(c * u_peakScale, vec3(1.0));
    } else if (u_toneMap == 8) { // MuLaw
        return log(vec3(1.0) + u_mu * min(c * u_peakScale, vec3(1.0))) * u_muNorm;
    } else if (u_toneMap == 9) { // Photographic
        float scale = u_key / u_logAverageLuminance;
        float lm = scale * lum(c);
        float white = u_whitePoint < 1e29 ? u_whitePoint : max(scale * u_maxLuminance, 1e-6);
        return scaleToLuminance(c, min(1.0, lm * (1.0 + lm / (white * white)) / (1.0 + lm)));
    }
    return min(c, vec3(1.0));
}
)";

const char* kMainSource = R"(
uniform sampler2D u_image;
uniform isampler2D u_columns;
uniform isampler2D u_rows;
uniform int u_viewHeight;
uniform float u_exposureScale;
uniform float u_offset;
uniform bool u_applyGamma;
uniform float u_inverseGamma;
uniform bool u_convertToRec709;
uniform mat3 u_toRec709;
uniform int u_overlay;
uniform float u_clipThreshold;
uniform vec3 u_luminanceWeights;

out vec4 fragColor;

vec3 falseColor(float y)
{
    // floor(log2(y)) from the exponent bits, as DisplayTransform's ilogb.
    int band = y > 0.0 ? clamp(((floatBitsToInt(y) >> 23) & 255) - 127, -12, 8) : -12;
    return kFalseColor[band + 12];
}

void main()
{
    int column = texelFetch(u_columns, ivec2(int(gl_FragCoord.x), 0), 0).r;
    int row = texelFetch(u_rows, ivec2(u_viewHeight - 1 - int(gl_FragCoord.y), 0), 0).r;
    if (column < 0 || row < 0) {
        fragColor = vec4(BACKGROUND, 1.0);
        return;
    }
    vec3 p = texelFetch(u_image, ivec2(column, row), 0).rgb;
    if (u_overlay == 2) {
        fragColor = vec4(falseColor(dot(u_luminanceWeights, p) * u_exposureScale + u_offset), 1.0);
        return;
    }
    // As DisplayTransform::toSignal: NaN components 0, +-Inf finite before the matrix.
    vec3 x = p * u_exposureScale + u_offset;
    x = clamp(mix(x, vec3(0.0), isnan(x)), -1e30, 1e30);
    if (u_convertToRec709) {
        x = u_toRec709 * x;
    }
    if (u_toneMap != 0) {
        x = toneMap(x);
    }
    // As OcioConfig's display processors: magnitudes within half float.
    x = clamp(x, -65504.0, 65504.0);
    vec3 s = OCIO_FUNCTION(vec4(x, 1.0)).rgb;
    if (u_applyGamma) {
        s = pow(max(s, vec3(0.0)), vec3(u_inverseGamma));
    }
    s = clamp(s, 0.0, 1.0);
    if (u_overlay == 1) {
        float m = max(p.r, max(p.g, p.b)) * u_exposureScale + u_offset;
        if (m >= u_clipThreshold) {
            s = vec3(1.0, 0.0, 1.0);
        } else if (!(m >= BLACK_CLIP)) {
            s = vec3(0.0, 64.0 / 255.0, 1.0);
        }
    }
    fragColor = vec4(s, 1.0);
}
)";

// Without a config: DisplayTransform's built-in sRGB encoding (image/TransferFunction srgbEncode).
const char* kBuiltinSrgbSource = R"(
vec4 hdrOcioDisplay(vec4 c)
{
    vec3 l = mix(c.rgb, vec3(0.0), isnan(c.rgb));
    vec3 lo = max(vec3(0.0), 12.92 * l);
    vec3 hi = 1.055 * pow(max(l, vec3(0.0)), vec3(1.0 / 2.4)) - 0.055;
    return vec4(mix(hi, lo, lessThanEqual(l, vec3(0.0031308))), c.a);
}
)";

void replaceAll(std::string& s, const std::string& what, const std::string& with)
{
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
        s.replace(at, what.size(), with);
    }
}

std::string
ocioInputName(const DisplaySettings& settings, const OcioConfig* config, const LinearColorSpace& input)
{
    return DisplayTransform::convertsToRec709(settings, config, input) ? LinearColorSpace{}.name()
                                                                       : input.name();
}

Status extractOcio(const OcioConfig& config,
                   const std::string& inputName,
                   const std::string& display,
                   const std::string& view,
                   DisplayShaderProgram& program,
                   std::string& functionSource)
{
    auto ocio = ocioConfigFor(config);
    if (!ocio) {
        return tl::unexpected(ocio.error());
    }
    try {
        OCIO::DisplayViewTransformRcPtr transform = OCIO::DisplayViewTransform::Create();
        transform->setSrc(inputName.c_str());
        transform->setDisplay(display.c_str());
        transform->setView(view.c_str());
        const OCIO::ConstProcessorRcPtr processor = (*ocio)->getProcessor(transform);
        OCIO::GpuShaderDescRcPtr desc = OCIO::GpuShaderDesc::CreateShaderDesc();
        desc->setLanguage(OCIO::GPU_LANGUAGE_GLSL_4_0);
        desc->setFunctionName(kOcioFunction);
        desc->setResourcePrefix("hdr_ocio_");
        processor->getDefaultGPUProcessor()->extractGpuShaderInfo(desc);
        if (desc->getNumUniforms() > 0) {
            return fail(ErrorCode::Internal,
                        "the OpenColorIO view '" + view +
                            "' has dynamic properties, which the GPU viewer does not drive",
                        config.path().string());
        }
        for (unsigned i = 0; i < desc->getNumTextures(); ++i) {
            const char* textureName = nullptr;
            const char* samplerName = nullptr;
            unsigned width = 0, height = 0;
            OCIO::GpuShaderDesc::TextureType channel = OCIO::GpuShaderDesc::TEXTURE_RGB_CHANNEL;
            OCIO::Interpolation interpolation = OCIO::INTERP_LINEAR;
            desc->getTexture(i, textureName, samplerName, width, height, channel, interpolation);
            const float* values = nullptr;
            desc->getTextureValues(i, values);
            ShaderLut lut;
            lut.samplerName = samplerName;
            lut.width = int(width);
            lut.height = int(std::max(1u, height));
            lut.channels = channel == OCIO::GpuShaderDesc::TEXTURE_RED_CHANNEL ? 1 : 3;
            lut.linearFilter = interpolation != OCIO::INTERP_NEAREST;
            lut.values.assign(values,
                              values + std::size_t(lut.width) * std::size_t(lut.height) *
                                           std::size_t(lut.channels));
            program.luts.push_back(std::move(lut));
        }
        for (unsigned i = 0; i < desc->getNum3DTextures(); ++i) {
            const char* textureName = nullptr;
            const char* samplerName = nullptr;
            unsigned edge = 0;
            OCIO::Interpolation interpolation = OCIO::INTERP_LINEAR;
            desc->get3DTexture(i, textureName, samplerName, edge, interpolation);
            const float* values = nullptr;
            desc->get3DTextureValues(i, values);
            ShaderLut lut;
            lut.samplerName = samplerName;
            lut.width = lut.height = lut.depth = int(edge);
            lut.channels = 3;
            // OCIO's tetrahedral code reads the lattice itself; trilinear lets the texture unit do it.
            lut.linearFilter =
                interpolation != OCIO::INTERP_NEAREST && interpolation != OCIO::INTERP_TETRAHEDRAL;
            lut.values.assign(values, values + std::size_t(edge) * edge * edge * 3);
            program.luts.push_back(std::move(lut));
        }
        functionSource = desc->getShaderText();
        return {};
    } catch (const OCIO::Exception& e) {
        return fail(ErrorCode::CorruptData,
                    "cannot build the OpenColorIO GPU shader " + inputName + " -> " + display + " / " + view +
                        ": " + e.what(),
                    config.path().string());
    }
}

} // namespace

std::string
displayShaderKey(const DisplaySettings& settings, const OcioConfig* config, const LinearColorSpace& input)
{
    if (!config) {
        return "builtin-srgb";
    }
    const std::string display = settings.display.empty() ? config->defaultDisplay() : settings.display;
    const std::string view = settings.view.empty() ? config->defaultView(display) : settings.view;
    return config->path().string() + "|" + ocioInputName(settings, config, input) + "|" + display + "|" +
           view;
}

Result<DisplayShaderProgram>
makeDisplayShader(const DisplaySettings& settings, const OcioConfig* config, const LinearColorSpace& input)
{
    // The exact transform validates the settings and names, and resolves the defaults.
    auto exact = DisplayTransform::create(settings, config, input);
    if (!exact) {
        return tl::unexpected(exact.error());
    }
    DisplayShaderProgram program;
    program.key = displayShaderKey(settings, config, input);
    program.vertexSource = kVertexSource;
    std::string ocioSource = kBuiltinSrgbSource;
    if (config) {
        if (auto ok = extractOcio(*config,
                                  ocioInputName(settings, config, input),
                                  exact->settings().display,
                                  exact->settings().view,
                                  program,
                                  ocioSource);
            !ok) {
            return tl::unexpected(ok.error());
        }
    }
    const Mat3 inset{kAgxInset[0],
                     kAgxInset[1],
                     kAgxInset[2],
                     kAgxInset[3],
                     kAgxInset[4],
                     kAgxInset[5],
                     kAgxInset[6],
                     kAgxInset[7],
                     kAgxInset[8]};
    std::string toneMap = kToneMapSource;
    replaceAll(toneMap, "AGX_INSET", glslMat3RowMajor(inset));
    replaceAll(toneMap, "AGX_OUTSET", glslMat3RowMajor(inverse(inset)));
    replaceAll(toneMap, "AGX_PEAK_X", glslFloat(agxPeakX()));
    replaceAll(toneMap, "HABLE_WHITE_SCALE", glslFloat(1.0f / hableCurve(11.2f)));
    std::string main = kMainSource;
    replaceAll(main, "OCIO_FUNCTION", kOcioFunction);
    replaceAll(main, "BACKGROUND", "vec3(" + glslFloat(30.0 / 255.0) + ")");
    replaceAll(main, "BLACK_CLIP", glslFloat(kBlackClipLevel));
    program.fragmentSource = "#version 330 core\n" + ocioSource + toneMap + falseColorTable() + main;
    return program;
}

DisplayShaderUniforms
displayShaderUniforms(const DisplaySettings& s, const OcioConfig* config, const LinearColorSpace& input)
{
    DisplayShaderUniforms u;
    u.exposureScale = std::exp2(s.exposureEv);
    u.offset = s.offset;
    u.applyGamma = s.gamma != 1.0f;
    u.inverseGamma = 1.0f / s.gamma;
    u.convertToRec709 = DisplayTransform::convertsToRec709(s, config, input);
    u.toRec709 = conversionMatrix(input, LinearColorSpace{Primaries::Rec709, {}});
    u.toneMapOperator = int(s.toneMap.op);
    u.whitePoint = s.toneMap.whitePoint;
    u.dragoBias = s.toneMap.dragoBias;
    u.logAverageLuminance = s.toneMap.logAverageLuminance;
    u.maxLuminance = s.toneMap.maxLuminance;
    u.peakScale = 1.0f / std::max(s.toneMap.peak > 0.0f ? s.toneMap.peak : s.toneMap.maxLuminance, 1e-30f);
    u.mu = s.toneMap.mu;
    u.muNorm = 1.0f / std::log1p(s.toneMap.mu);
    u.key = s.toneMap.key;
    u.overlay = int(s.overlay);
    u.clipThreshold = std::exp2(s.displayHeadroomStops);
    u.luminanceWeights = luminanceWeights(input);
    return u;
}

} // namespace hdr::core
