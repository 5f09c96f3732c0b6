#include "image/ColorSpace.h"

#include <cmath>

namespace hdr::core {

Mat3 multiply(const Mat3& a, const Mat3& b)
{
    Mat3 r{};
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) {
            double s = 0;
            for (int k = 0; k < 3; ++k) {
                s += double(a[i * 3 + k]) * double(b[k * 3 + j]);
            }
            r[i * 3 + j] = float(s);
        }
    }
    return r;
}

Mat3 inverse(const Mat3& m)
{
    const double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8];
    const double A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
    const double det = a * A + b * B + c * C;
    const double s = 1.0 / det;
    return {float(A * s),
            float(-(b * i - c * h) * s),
            float((b * f - c * e) * s),
            float(B * s),
            float((a * i - c * g) * s),
            float(-(a * f - c * d) * s),
            float(C * s),
            float(-(a * h - b * g) * s),
            float((a * e - b * d) * s)};
}

Vec3 apply(const Mat3& m, Vec3 v)
{
    return {m[0] * v.r + m[1] * v.g + m[2] * v.b,
            m[3] * v.r + m[4] * v.g + m[5] * v.b,
            m[6] * v.r + m[7] * v.g + m[8] * v.b};
}

bool Chromaticities::approxEquals(const Chromaticities& o, float tol) const
{
    auto near = [tol](float x, float y) { return std::fabs(x - y) <= tol; };
    return near(redX, o.redX) && near(redY, o.redY) && near(greenX, o.greenX) && near(greenY, o.greenY) &&
           near(blueX, o.blueX) && near(blueY, o.blueY) && near(whiteX, o.whiteX) && near(whiteY, o.whiteY);
}

const char* nameOf(Primaries p)
{
    switch (p) {
    case Primaries::Rec709: return "rec709";
    case Primaries::Rec2020: return "rec2020";
    case Primaries::DisplayP3: return "p3d65";
    case Primaries::AcesAP0: return "aces-ap0";
    case Primaries::AcesAP1: return "aces-ap1";
    case Primaries::XYZ: return "xyz";
    case Primaries::Custom: return "custom";
    }
    return "custom";
}

std::optional<Primaries> primariesFromString(const std::string& n)
{
    if (n == "rec709" || n == "srgb" || n == "bt709") return Primaries::Rec709;
    if (n == "rec2020" || n == "bt2020") return Primaries::Rec2020;
    if (n == "p3d65" || n == "p3" || n == "displayp3") return Primaries::DisplayP3;
    if (n == "aces-ap0" || n == "ap0" || n == "aces2065-1") return Primaries::AcesAP0;
    if (n == "aces-ap1" || n == "ap1" || n == "acescg") return Primaries::AcesAP1;
    if (n == "xyz") return Primaries::XYZ;
    return std::nullopt;
}

Chromaticities chromaticitiesOf(Primaries p)
{
    constexpr float d65x = 0.3127f, d65y = 0.3290f;
    constexpr float d60x = 0.32168f, d60y = 0.33767f;
    switch (p) {
    case Primaries::Rec709: return {0.64f, 0.33f, 0.30f, 0.60f, 0.15f, 0.06f, d65x, d65y};
    case Primaries::Rec2020: return {0.708f, 0.292f, 0.170f, 0.797f, 0.131f, 0.046f, d65x, d65y};
    case Primaries::DisplayP3: return {0.680f, 0.320f, 0.265f, 0.690f, 0.150f, 0.060f, d65x, d65y};
    case Primaries::AcesAP0: return {0.7347f, 0.2653f, 0.0f, 1.0f, 0.0001f, -0.0770f, d60x, d60y};
    case Primaries::AcesAP1: return {0.713f, 0.293f, 0.165f, 0.830f, 0.128f, 0.044f, d60x, d60y};
    case Primaries::XYZ: return {1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f / 3, 1.0f / 3};
    case Primaries::Custom: break;
    }
    return chromaticitiesOf(Primaries::Rec709);
}

Chromaticities LinearColorSpace::chromaticities() const
{
    return primaries == Primaries::Custom ? custom : chromaticitiesOf(primaries);
}

std::string LinearColorSpace::name() const
{
    switch (primaries) {
    case Primaries::Rec709: return "lin_rec709";
    case Primaries::Rec2020: return "lin_rec2020";
    case Primaries::DisplayP3: return "lin_p3d65";
    case Primaries::AcesAP0: return "aces2065-1";
    case Primaries::AcesAP1: return "acescg";
    case Primaries::XYZ: return "cie_xyz";
    case Primaries::Custom: break;
    }
    return "lin_custom";
}

bool LinearColorSpace::operator==(const LinearColorSpace& other) const
{
    return chromaticities().approxEquals(other.chromaticities(), 1e-5f);
}

LinearColorSpace LinearColorSpace::fromChromaticities(const Chromaticities& c)
{
    for (Primaries p : {Primaries::Rec709,
                        Primaries::Rec2020,
                        Primaries::DisplayP3,
                        Primaries::AcesAP0,
                        Primaries::AcesAP1,
                        Primaries::XYZ}) {
        if (chromaticitiesOf(p).approxEquals(c, 2e-3f)) {
            return LinearColorSpace{p, {}};
        }
    }
    return LinearColorSpace{Primaries::Custom, c};
}

Mat3 rgbToXyz(const Chromaticities& c)
{
    // XYZ "primaries" put red at y = 0; XYZ needs no matrix at all (OpenEXR convention).
    if (c.approxEquals(chromaticitiesOf(Primaries::XYZ), 1e-4f)) {
        return identity3();
    }
    auto xyz = [](float x, float y) { return Vec3{x / y, 1.0f, (1.0f - x - y) / y}; };
    const Vec3 r = xyz(c.redX, c.redY), g = xyz(c.greenX, c.greenY), b = xyz(c.blueX, c.blueY);
    const Vec3 w = xyz(c.whiteX, c.whiteY);
    const Mat3 m{r.r, g.r, b.r, r.g, g.g, b.g, r.b, g.b, b.b};
    const Vec3 s = apply(inverse(m), w);
    return {m[0] * s.r,
            m[1] * s.g,
            m[2] * s.b,
            m[3] * s.r,
            m[4] * s.g,
            m[5] * s.b,
            m[6] * s.r,
            m[7] * s.g,
            m[8] * s.b};
}

namespace {
Mat3 bradford(float srcX, float srcY, float dstX, float dstY)
{
    const Mat3 b{0.8951f, 0.2664f, -0.1614f, -0.7502f, 1.7135f, 0.0367f, 0.0389f, -0.0685f, 1.0296f};
    const Vec3 ws = apply(b, {srcX / srcY, 1.0f, (1 - srcX - srcY) / srcY});
    const Vec3 wd = apply(b, {dstX / dstY, 1.0f, (1 - dstX - dstY) / dstY});
    const Mat3 d{wd.r / ws.r, 0, 0, 0, wd.g / ws.g, 0, 0, 0, wd.b / ws.b};
    return multiply(inverse(b), multiply(d, b));
}
} // namespace

Mat3 conversionMatrix(const LinearColorSpace& from, const LinearColorSpace& to)
{
    const Chromaticities cf = from.chromaticities(), ct = to.chromaticities();
    if (cf.approxEquals(ct, 1e-6f)) {
        return identity3();
    }
    Mat3 m = rgbToXyz(cf);
    // XYZ is taken as absolute (no adaptation to or from its nominal E white), as OpenEXR and our
    // OCIO config's cie_xyz do: Rec.709 white becomes D65 XYZ (0.9505, 1, 1.089).
    const bool xyzInvolved = from.primaries == Primaries::XYZ || to.primaries == Primaries::XYZ;
    if (!xyzInvolved &&
        (std::fabs(cf.whiteX - ct.whiteX) > 1e-5f || std::fabs(cf.whiteY - ct.whiteY) > 1e-5f)) {
        m = multiply(bradford(cf.whiteX, cf.whiteY, ct.whiteX, ct.whiteY), m);
    }
    return multiply(inverse(rgbToXyz(ct)), m);
}

Vec3 luminanceWeights(const LinearColorSpace& cs)
{
    const Mat3 m = rgbToXyz(cs.chromaticities());
    return {m[3], m[4], m[5]};
}

} // namespace hdr::core
