#pragma once

#include "common/Error.h"
#include "image/ColorSpace.h"
#include "image/TransferFunction.h"
#include "tonemap/ToneMap.h"

#include <cstdint>
#include <memory>
#include <string>

namespace hdr::core {

class OcioConfig;

enum class DisplayOverlay {
    None,
    Clipping,   // pixels whose brightest channel reaches display white after exposure: magenta;
                // pixels whose brightest channel is below kBlackClipLevel: blue
    FalseColor, // luminance in stops relative to display white, as discrete colour bands
};

constexpr float kBlackClipLevel = 1.0f / 4096.0f; // ~ where 8-bit sRGB encodes to code 0..1

// Everything the viewer and display-referred exports apply to scene-linear pixels:
//   x' = x · 2^exposureEv + offset            (scene-linear, image primaries)
//   x'' = toneMap(x') in Rec.709             (skipped for the Clip operator: the view clips)
//   s = OCIO display/view(x'')               (display signal in [0, 1])
//   s' = s^(1/gamma)                          (generalised gamma; 1 = as the view encodes)
struct DisplaySettings {
    float exposureEv = 0.0f;
    float offset = 0.0f;
    float gamma = 1.0f;
    ToneMapParams toneMap;
    std::string display; // OCIO display; empty = the config's default ("sRGB")
    std::string view;    // OCIO view; empty = the display's default ("Standard")
    // Stops the display shows above SDR white. 0 on SDR monitors (Qt 6.4 on Debian 12 cannot
    // drive HDR output); kept in the pipeline so HDR output and gain-map rendering plug in later.
    // It moves the clipping overlay's threshold to 2^headroom.
    float displayHeadroomStops = 0.0f;
    DisplayOverlay overlay = DisplayOverlay::None;

    Status validate() const;
    bool operator==(const DisplaySettings& o) const;
};

// False-colour band for a luminance (display-white relative, after exposure): 0xAARRGGBB.
std::uint32_t falseColorForLuminance(float luminance);
// Lower edge (EV) of the false-colour band a luminance falls in, for legends.
int falseColorBandEv(float luminance);

// An immutable, thread-safe display transform built from settings + OCIO config + the
// image's primaries. Without an OCIO config it falls back to a built-in sRGB encoding.
class DisplayTransform {
public:
    static Result<DisplayTransform>
    create(const DisplaySettings& settings, const OcioConfig* config, const LinearColorSpace& inputPrimaries);

    // Whether pixels go to Rec.709 primaries before the tone map / OCIO (tone-mapped, custom
    // primaries, or no config), so OCIO sees lin_rec709; otherwise it sees the input's own space.
    static bool convertsToRec709(const DisplaySettings& settings,
                                 const OcioConfig* config,
                                 const LinearColorSpace& inputPrimaries);

    const DisplaySettings& settings() const { return m_settings; }
    // How the display signal is encoded (for tagging exported files).
    Transfer outputTransfer() const { return m_outputTransfer; }
    LinearColorSpace outputPrimaries() const { return m_outputPrimaries; }
    std::string description() const; // "sRGB / Standard, exposure +1.0 EV, ACES (fitted)"

    // `count` interleaved pixels (3 or 4 floats each; alpha ignored) -> display signal RGB floats
    // in [0, 1] (3 per pixel, `signal` may not alias `pixels`).
    void toSignal(const float* pixels, int channels, std::size_t count, float* signal) const;
    // As toSignal, then quantised to 0xFFRRGGBB (QImage::Format_RGB32 layout), with the overlay.
    // `scratch` must hold 3 * count floats.
    void
    toArgb32(const float* pixels, int channels, std::size_t count, float* scratch, std::uint32_t* out) const;

private:
    DisplayTransform() = default;

    DisplaySettings m_settings;
    float m_exposureScale = 1.0f;
    float m_clipThreshold = 1.0f;
    Vec3 m_luminanceWeights{0.2126f, 0.7152f, 0.0722f};
    bool m_toRec709 = false; // convert primaries before tone mapping / OCIO
    Mat3 m_toRec709Matrix = identity3();
    std::shared_ptr<const void> m_processor; // OcioConfig::Processor, type-erased to keep OCIO out
    Transfer m_outputTransfer = Transfer::srgb();
    LinearColorSpace m_outputPrimaries;
};

} // namespace hdr::core
