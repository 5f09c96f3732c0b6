#include "color/Icc.h"

#include "common/Log.h"
#include "common/Parallel.h"

#include <lcms2.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace hdr::core {
namespace {

constexpr std::string_view kLogCategory = "hdr.color";

void routeLcmsError(cmsContext, cmsUInt32Number code, const char* text)
{
    log(LogLevel::Debug, kLogCategory, "LittleCMS (" + std::to_string(code) + "): " + (text ? text : ""));
}

// One private LittleCMS context so our error handler does not change the process-wide one that
// other libraries (Qt, libpng) may rely on. Contexts are safe to share between threads.
cmsContext lcmsContext()
{
    static cmsContext context = [] {
        cmsContext c = cmsCreateContext(nullptr, nullptr);
        cmsSetLogErrorHandlerTHR(c, &routeLcmsError);
        return c;
    }();
    return context;
}

struct ProfileCloser {
    void operator()(void* p) const { cmsCloseProfile(p); }
};
using ProfilePtr = std::unique_ptr<void, ProfileCloser>;

struct CurveFreer {
    void operator()(cmsToneCurve* c) const { cmsFreeToneCurve(c); }
};
using CurvePtr = std::unique_ptr<cmsToneCurve, CurveFreer>;

struct TransformDeleter {
    void operator()(void* t) const { cmsDeleteTransform(t); }
};
using TransformPtr = std::unique_ptr<void, TransformDeleter>;

ProfilePtr openProfile(std::span<const std::uint8_t> bytes)
{
    if (bytes.empty() || bytes.size() > 0x7fffffffu) {
        return nullptr;
    }
    return ProfilePtr(cmsOpenProfileFromMemTHR(lcmsContext(), bytes.data(), cmsUInt32Number(bytes.size())));
}

CurvePtr toneCurveFor(const Transfer& transfer)
{
    cmsContext ctx = lcmsContext();
    switch (transfer.kind) {
    case TransferKind::Srgb: {
        // IEC 61966-2-1 as ICC parametric type 4: Y = ((aX + b)^g for X >= d, else cX.
        const cmsFloat64Number params[5] = {2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045};
        return CurvePtr(cmsBuildParametricToneCurve(ctx, 4, params));
    }
    case TransferKind::Gamma: return CurvePtr(cmsBuildGamma(ctx, double(transfer.gamma)));
    case TransferKind::Linear:
    case TransferKind::PQ: // no exact ICC form: the caller signals PQ/HLG with cICP instead
    case TransferKind::HLG: return CurvePtr(cmsBuildGamma(ctx, 1.0));
    }
    return CurvePtr(cmsBuildGamma(ctx, 1.0));
}

ProfilePtr createRgbProfile(const Chromaticities& c, const Transfer& transfer)
{
    // A chromaticity with y <= 0 has no finite XYZ (e.g. the XYZ "primaries"); ICC cannot hold it.
    for (float y : {c.redY, c.greenY, c.blueY, c.whiteY}) {
        if (!(y > 0.0f)) {
            return nullptr;
        }
    }
    const cmsCIExyY white{c.whiteX, c.whiteY, 1.0};
    const cmsCIExyYTRIPLE primaries{
        {c.redX, c.redY, 1.0}, {c.greenX, c.greenY, 1.0}, {c.blueX, c.blueY, 1.0}};
    const CurvePtr curve = toneCurveFor(transfer);
    if (!curve) {
        return nullptr;
    }
    cmsToneCurve* curves[3] = {curve.get(), curve.get(), curve.get()};
    return ProfilePtr(cmsCreateRGBProfileTHR(lcmsContext(), &white, &primaries, curves));
}

bool setDescription(cmsHPROFILE profile, const std::string& description)
{
    cmsMLU* mlu = cmsMLUalloc(lcmsContext(), 1);
    if (!mlu) {
        return false;
    }
    const bool ok = cmsMLUsetASCII(mlu, "en", "US", description.c_str()) &&
                    cmsWriteTag(profile, cmsSigProfileDescriptionTag, mlu);
    cmsMLUfree(mlu);
    return ok;
}

// Scene-linear Rec.709 (D65), float: where every ICC-tagged image is converted to.
ProfilePtr linearRec709Profile()
{
    return createRgbProfile(chromaticitiesOf(Primaries::Rec709), Transfer::linear());
}

constexpr cmsUInt32Number kBytesPerSample8 = 1;
constexpr cmsUInt32Number kBytesPerSample16 = 2;

// LittleCMS pixel format for the image's samples. A grey profile reads the first channel of each
// pixel as the grey signal and skips the rest as "extra" channels: grey PNG/JPEG images reach us
// expanded to RGB(A) with R = G = B, so this is exact for them.
cmsUInt32Number inputFormat(int channels, int bytesPerSample, bool grayProfile)
{
    if (grayProfile) {
        return COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | EXTRA_SH(cmsUInt32Number(channels - 1)) |
               BYTES_SH(cmsUInt32Number(bytesPerSample));
    }
    return COLORSPACE_SH(PT_RGB) | CHANNELS_SH(3) | EXTRA_SH(cmsUInt32Number(channels - 3)) |
           BYTES_SH(cmsUInt32Number(bytesPerSample));
}

cmsUInt32Number floatOutputFormat(int channels)
{
    // Alpha (an extra channel) is left untouched by the transform and filled in by us.
    return channels == 4 ? TYPE_RGBA_FLT : TYPE_RGB_FLT;
}

template <typename T> Status checkImageLayout(const DisplayImage<T>& image)
{
    if (image.channels != 3 && image.channels != 4) {
        return fail(ErrorCode::InvalidArgument,
                    "display image has " + std::to_string(image.channels) + " channels; expected 3 or 4");
    }
    if (image.width < 0 || image.height < 0 ||
        image.pixels.size() !=
            std::size_t(image.width) * std::size_t(image.height) * std::size_t(image.channels)) {
        return fail(ErrorCode::InvalidArgument, "display image buffer size does not match its dimensions");
    }
    return {};
}

// Fast path for RGB matrix/shaper profiles (nearly every embedded profile): per-channel tone-curve
// tables for all 2^bits codes, then one 3x3 matrix. It computes exactly what LittleCMS does for a
// relative colorimetric matrix/shaper -> matrix/shaper transform (both sides' colorant tags are
// D50-relative, so RGB_709 = inverse(C_709) * C_in * curve(RGB)), without LittleCMS evaluating a
// parametric curve per sample. tst_icc compares it with a plain LittleCMS transform.
struct MatrixShaper {
    std::array<std::vector<float>, 3> curves; // code value -> linear, per channel
    std::array<double, 9> toRec709;           // row-major
};

bool colorantMatrix(cmsHPROFILE profile, std::array<double, 9>& m)
{
    const cmsTagSignature tags[3] = {cmsSigRedColorantTag, cmsSigGreenColorantTag, cmsSigBlueColorantTag};
    for (int column = 0; column < 3; ++column) {
        const auto* xyz = static_cast<const cmsCIEXYZ*>(cmsReadTag(profile, tags[column]));
        if (!xyz) {
            return false;
        }
        m[std::size_t(column)] = xyz->X;
        m[std::size_t(3 + column)] = xyz->Y;
        m[std::size_t(6 + column)] = xyz->Z;
    }
    return true;
}

bool invert(const std::array<double, 9>& m, std::array<double, 9>& out)
{
    const double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8];
    const double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    if (!std::isfinite(det) || std::fabs(det) < 1e-12) {
        return false;
    }
    const double s = 1.0 / det;
    out = {(e * i - f * h) * s,
           (c * h - b * i) * s,
           (b * f - c * e) * s,
           (f * g - d * i) * s,
           (a * i - c * g) * s,
           (c * d - a * f) * s,
           (d * h - e * g) * s,
           (b * g - a * h) * s,
           (a * e - b * d) * s};
    return true;
}

std::optional<MatrixShaper> matrixShaperFor(cmsHPROFILE source, cmsHPROFILE target, int levels)
{
    if (cmsGetColorSpace(source) != cmsSigRgbData || !cmsIsMatrixShaper(source) ||
        cmsIsCLUT(source, INTENT_RELATIVE_COLORIMETRIC, LCMS_USED_AS_INPUT)) {
        return std::nullopt; // LUT-based profiles take LittleCMS's general path
    }
    std::array<double, 9> in{}, out{}, outInverse{};
    if (!colorantMatrix(source, in) || !colorantMatrix(target, out) || !invert(out, outInverse)) {
        return std::nullopt;
    }
    MatrixShaper result;
    for (int row = 0; row < 3; ++row) {
        for (int column = 0; column < 3; ++column) {
            double sum = 0;
            for (int k = 0; k < 3; ++k) {
                sum += outInverse[std::size_t(row * 3 + k)] * in[std::size_t(k * 3 + column)];
            }
            result.toRec709[std::size_t(row * 3 + column)] = sum;
        }
    }
    const cmsTagSignature trcTags[3] = {cmsSigRedTRCTag, cmsSigGreenTRCTag, cmsSigBlueTRCTag};
    for (int c = 0; c < 3; ++c) {
        const auto* curve = static_cast<const cmsToneCurve*>(cmsReadTag(source, trcTags[c]));
        if (!curve) {
            return std::nullopt;
        }
        std::vector<float>& table = result.curves[std::size_t(c)];
        table.resize(std::size_t(levels));
        for (int v = 0; v < levels; ++v) {
            table[std::size_t(v)] = cmsEvalToneCurveFloat(curve, float(v) / float(levels - 1));
        }
    }
    return result;
}

template <typename T>
void runMatrixShaper(const DisplayImage<T>& image, const MatrixShaper& ms, ImageF& result)
{
    const int ch = image.channels;
    const std::array<double, 9>& m = ms.toRec709;
    parallelFor(std::size_t(image.height), 16, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            const T* src = image.row(int(y));
            float* dst = result.row(int(y));
            for (int x = 0; x < image.width; ++x, src += ch, dst += ch) {
                const double r = ms.curves[0][src[0]], g = ms.curves[1][src[1]], b = ms.curves[2][src[2]];
                dst[0] = float(m[0] * r + m[1] * g + m[2] * b);
                dst[1] = float(m[3] * r + m[4] * g + m[5] * b);
                dst[2] = float(m[6] * r + m[7] * g + m[8] * b);
            }
        }
    });
}

template <typename T>
Status runLittleCms(const DisplayImage<T>& image, cmsHPROFILE source, cmsHPROFILE target, ImageF& result)
{
    const int ch = image.channels;
    const bool gray = cmsGetColorSpace(source) == cmsSigGrayData;
    const cmsUInt32Number inFormat =
        inputFormat(ch, sizeof(T) == 1 ? kBytesPerSample8 : kBytesPerSample16, gray);
    // Relative colorimetric, float output: LittleCMS evaluates unbounded, so wide-gamut colours
    // keep negative Rec.709 components. NOCACHE makes the one transform safe to share between the
    // worker threads below.
    const TransformPtr transform(cmsCreateTransformTHR(lcmsContext(),
                                                       source,
                                                       inFormat,
                                                       target,
                                                       floatOutputFormat(ch),
                                                       INTENT_RELATIVE_COLORIMETRIC,
                                                       cmsFLAGS_NOCACHE));
    if (!transform) {
        return fail(ErrorCode::CorruptData, "the embedded ICC profile cannot be used for a colour transform");
    }
    parallelFor(std::size_t(image.height), 16, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            cmsDoTransform(
                transform.get(), image.row(int(y)), result.row(int(y)), cmsUInt32Number(image.width));
        }
    });
    return {};
}

template <typename T> Result<ImageF> linearizeWithProfile(const DisplayImage<T>& image, cmsHPROFILE source)
{
    const cmsColorSpaceSignature space = cmsGetColorSpace(source);
    if (space != cmsSigRgbData && space != cmsSigGrayData) {
        return fail(ErrorCode::CorruptData,
                    "the embedded ICC profile is not an RGB or grey profile, so it cannot "
                    "describe this RGB image");
    }
    const ProfilePtr target = linearRec709Profile();
    if (!target) {
        return fail(ErrorCode::Internal, "cannot create the linear Rec.709 ICC profile");
    }
    auto out = ImageF::allocate(
        image.width, image.height, image.channels, ImageLimits{}, LinearColorSpace{Primaries::Rec709, {}});
    if (!out) {
        return tl::unexpected<Error>(out.error());
    }
    ImageF& result = *out;
    result.metadata = image.metadata;
    if (const auto ms = matrixShaperFor(source, target.get(), DisplayImage<T>::kMaxValue + 1)) {
        runMatrixShaper(image, *ms, result);
    } else if (Status status = runLittleCms(image, source, target.get(), result); !status) {
        return tl::unexpected<Error>(status.error());
    }
    if (image.channels == 4) {
        constexpr float alphaScale = 1.0f / float(DisplayImage<T>::kMaxValue);
        const std::size_t n = std::size_t(result.pixelCount());
        for (std::size_t i = 0; i < n; ++i) {
            result.data()[i * 4 + 3] = float(image.pixels[i * 4 + 3]) * alphaScale;
        }
    }
    return out;
}

} // namespace

std::vector<std::uint8_t>
makeIccProfile(const LinearColorSpace& primaries, const Transfer& transfer, const std::string& description)
{
    const ProfilePtr profile = createRgbProfile(primaries.chromaticities(), transfer);
    if (!profile) {
        log(LogLevel::Warning,
            kLogCategory,
            "cannot make an ICC profile for colour space " + primaries.name() + " (" + transfer.name() + ")");
        return {};
    }
    cmsSetProfileVersion(profile.get(), 4.3);
    if (!setDescription(profile.get(), description)) {
        return {};
    }
    cmsUInt32Number size = 0;
    if (!cmsSaveProfileToMem(profile.get(), nullptr, &size) || size == 0) {
        return {};
    }
    std::vector<std::uint8_t> bytes(size);
    if (!cmsSaveProfileToMem(profile.get(), bytes.data(), &size)) {
        return {};
    }
    bytes.resize(size);
    return bytes;
}

std::string iccDescription(std::span<const std::uint8_t> profileBytes)
{
    const ProfilePtr profile = openProfile(profileBytes);
    if (!profile) {
        return {};
    }
    const cmsUInt32Number needed =
        cmsGetProfileInfoASCII(profile.get(), cmsInfoDescription, "en", "US", nullptr, 0);
    if (needed == 0) {
        return {};
    }
    std::string text(needed, '\0');
    cmsGetProfileInfoASCII(profile.get(), cmsInfoDescription, "en", "US", text.data(), needed);
    text.resize(std::min<std::size_t>(text.find('\0'), text.size()));
    return text;
}

template <typename T>
Result<ImageF> linearizeDisplayImage(const DisplayImage<T>& image, bool fallbackOnBadProfile)
{
    if (Status layout = checkImageLayout(image); !layout) {
        return tl::unexpected<Error>(layout.error());
    }
    if (image.metadata.iccProfile.empty()) {
        return decodeDisplay(image);
    }
    Result<ImageF> converted = [&]() -> Result<ImageF> {
        const ProfilePtr profile = openProfile(image.metadata.iccProfile);
        if (!profile) {
            return fail(ErrorCode::CorruptData, "the embedded ICC profile is damaged and cannot be read");
        }
        return linearizeWithProfile(image, profile.get());
    }();
    if (converted || !fallbackOnBadProfile || converted.error().code != ErrorCode::CorruptData) {
        return converted;
    }
    log(LogLevel::Warning,
        kLogCategory,
        converted.error().message + "; decoding with the " + image.transfer.name() + " transfer instead");
    return decodeDisplay(image);
}

template Result<ImageF> linearizeDisplayImage<std::uint8_t>(const DisplayImage8&, bool);
template Result<ImageF> linearizeDisplayImage<std::uint16_t>(const DisplayImage16&, bool);

Result<MonitorTransform> MonitorTransform::fromProfile(std::span<const std::uint8_t> monitorProfile)
{
    const ProfilePtr monitor = openProfile(monitorProfile);
    if (!monitor) {
        return fail(ErrorCode::CorruptData, "the monitor ICC profile is damaged and cannot be read");
    }
    if (cmsGetColorSpace(monitor.get()) != cmsSigRgbData) {
        return fail(ErrorCode::InvalidArgument, "the monitor ICC profile is not an RGB display profile");
    }
    const ProfilePtr srgb(cmsCreate_sRGBProfileTHR(lcmsContext()));
    // Perceptual: LUT-based monitor profiles may carry a gamut mapping for it; matrix/shaper ones
    // fall back to colorimetric. Alpha is copied through; NOCACHE keeps apply() thread-safe.
    void* transform = cmsCreateTransformTHR(lcmsContext(),
                                            srgb.get(),
                                            TYPE_RGBA_8,
                                            monitor.get(),
                                            TYPE_RGBA_8,
                                            INTENT_PERCEPTUAL,
                                            cmsFLAGS_COPY_ALPHA | cmsFLAGS_NOCACHE);
    if (!transform) {
        return fail(ErrorCode::CorruptData, "cannot build a colour transform to the monitor ICC profile");
    }
    MonitorTransform result;
    result.m_transform = transform;
    return result;
}

MonitorTransform::MonitorTransform(MonitorTransform&& other) noexcept
    : m_transform(std::exchange(other.m_transform, nullptr))
{
}

MonitorTransform& MonitorTransform::operator=(MonitorTransform&& other) noexcept
{
    if (this != &other) {
        if (m_transform) {
            cmsDeleteTransform(m_transform);
        }
        m_transform = std::exchange(other.m_transform, nullptr);
    }
    return *this;
}

MonitorTransform::~MonitorTransform()
{
    if (m_transform) {
        cmsDeleteTransform(m_transform);
    }
}

void MonitorTransform::applyRgba8(std::uint8_t* pixels, std::size_t pixelCount) const
{
    if (!m_transform || !pixels || pixelCount == 0) {
        return;
    }
    constexpr std::size_t kGrain = 1 << 15;
    parallelFor(pixelCount, kGrain, [&](std::size_t begin, std::size_t end) {
        std::uint8_t* chunk = pixels + begin * 4;
        cmsDoTransform(m_transform, chunk, chunk, cmsUInt32Number(end - begin));
    });
}

} // namespace hdr::core
