#pragma once

#include <array>
#include <optional>
#include <string>

namespace hdr::core {

using Mat3 = std::array<float, 9>; // row-major 3x3
struct Vec3 {
    float r, g, b;
};

Mat3 multiply(const Mat3& a, const Mat3& b);
Mat3 inverse(const Mat3& m);
Vec3 apply(const Mat3& m, Vec3 v);
inline Mat3 identity3()
{
    return {1, 0, 0, 0, 1, 0, 0, 0, 1};
}

// CIE 1931 xy chromaticities of the three primaries and the white point, as stored in an EXR
// `chromaticities` attribute or an ICC profile.
struct Chromaticities {
    float redX, redY, greenX, greenY, blueX, blueY, whiteX, whiteY;
    bool operator==(const Chromaticities&) const = default;
    bool approxEquals(const Chromaticities& other, float tol = 1e-3f) const;
};

// The RGB primaries of a linear (scene-referred) colour space.
enum class Primaries {
    Rec709,    // sRGB / BT.709, D65
    Rec2020,   // BT.2020 / BT.2100, D65
    DisplayP3, // P3 primaries, D65 white
    AcesAP0,   // ACES2065-1, ~D60
    AcesAP1,   // ACEScg, ~D60
    XYZ,       // CIE XYZ (identity "primaries"), E white
    Custom,    // chromaticities given explicitly
};

const char* nameOf(Primaries p);
std::optional<Primaries> primariesFromString(const std::string& name);
Chromaticities chromaticitiesOf(Primaries p);

// A linear RGB colour space: primaries (+white). Scene-referred pixel values are in relative
// units where 1.0 is diffuse/graphics white unless the file says otherwise.
struct LinearColorSpace {
    Primaries primaries = Primaries::Rec709;
    Chromaticities custom{}; // used when primaries == Custom

    Chromaticities chromaticities() const;
    std::string name() const; // "lin_rec709", "lin_rec2020", "acescg", ...
    bool operator==(const LinearColorSpace& other) const;

    static LinearColorSpace fromChromaticities(const Chromaticities& c);
};

// RGB -> XYZ for the given chromaticities (white scaled to Y = 1).
Mat3 rgbToXyz(const Chromaticities& c);
// Matrix that converts linear RGB in `from` to linear RGB in `to`, with Bradford chromatic
// adaptation when the white points differ.
Mat3 conversionMatrix(const LinearColorSpace& from, const LinearColorSpace& to);

// Relative luminance weights (the Y row of rgbToXyz) for a colour space.
Vec3 luminanceWeights(const LinearColorSpace& cs);

} // namespace hdr::core
