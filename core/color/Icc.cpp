#include "color/Icc.h"

#include "common/Log.h"
#include "common/Parallel.h"

#include <lcms2.h>

#include <algorithm>
#include <memory>
#include <mutex>
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

template <typename T> Result<ImageF> linearizeWithProfile(const DisplayImage<T>& image, cmsHPROFILE source)
{
    const cmsColorSpaceSignature space = cmsGetColorSpace(source);
    if (space != cmsSigRgbData && space != cmsSigGrayData) {
        return fail(ErrorCode::CorruptData,
                    "the embedded ICC profile is not an RGB or grey profile, so it cannot "
                    "describe this RGB image");
    }
    const bool gray = space == cmsSigGrayData;
    const ProfilePtr target = linearRec709Profile();
    const int ch = image.channels;
    const cmsUInt32Number inFormat =
        inputFormat(ch, sizeof(T) == 1 ? kBytesPerSample8 : kBytesPerSample16, gray);
    // Relative colorimetric keeps colours exact between matrix/shaper profiles; with float output
    // LittleCMS evaluates the matrices and curves unbounded, so wide-gamut colours come out with
    // negative Rec.709 components instead of being clipped. NOCACHE makes the single transform
    // safe to share between the worker threads below.
    const TransformPtr transform(cmsCreateTransformTHR(lcmsContext(),
                                                       source,
                                                       inFormat,
                                                       target.get(),
                                                       floatOutputFormat(ch),
                                                       INTENT_RELATIVE_COLORIMETRIC,
                                                       cmsFLAGS_NOCACHE));
    if (!transform) {
        return fail(ErrorCode::CorruptData, "the embedded ICC profile cannot be used for a colour transform");
    }
    auto out = ImageF::allocate(
        image.width, image.height, ch, ImageLimits{}, LinearColorSpace{Primaries::Rec709, {}});
    if (!out) {
        return tl::unexpected<Error>(out.error());
    }
    ImageF& result = *out;
    result.metadata = image.metadata;
    constexpr float alphaScale = 1.0f / float(DisplayImage<T>::kMaxValue);
    parallelFor(std::size_t(image.height), 16, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
            const T* src = image.row(int(y));
            float* dst = result.row(int(y));
            cmsDoTransform(transform.get(), src, dst, cmsUInt32Number(image.width));
            if (ch == 4) {
                for (int x = 0; x < image.width; ++x) {
                    dst[x * 4 + 3] = float(src[x * 4 + 3]) * alphaScale;
                }
            }
        }
    });
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
