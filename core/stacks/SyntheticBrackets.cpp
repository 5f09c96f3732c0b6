#include "stacks/SyntheticBrackets.h"

#include "common/AtomicFile.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <unistd.h>

namespace hdr::core {
namespace fs = std::filesystem;
namespace {

float narkowicz(float x)
{
    return std::clamp(x * (2.51f * x + 0.03f) / (x * (2.43f * x + 0.59f) + 0.14f), 0.0f, 1.0f);
}

DisplayImage16 toDisplay16(const ImageF& signal)
{
    DisplayImage16 d;
    d.width = signal.width();
    d.height = signal.height();
    d.channels = 3;
    d.pixels.resize(std::size_t(signal.pixelCount()) * 3);
    for (std::size_t i = 0; i < d.pixels.size(); ++i) {
        d.pixels[i] = std::uint16_t(std::lround(std::clamp(signal.data()[i], 0.0f, 1.0f) * 255.0f) * 257);
    }
    return d;
}

// JPEG round trip through core/io; returns code values / 255 as read back.
ImageF jpegRoundTrip(const ImageF& signal, int quality, std::uint64_t tag)
{
    const fs::path tmp = fs::temp_directory_path() / ("hdrstudio-bracket-" + std::to_string(::getpid()) +
                                                      "-" + std::to_string(tag) + ".jpg");
    WriteOptions o;
    o.format = FileFormat::Jpeg;
    o.jpegQuality = quality;
    o.embedIcc = false;
    o.overwrite = true;
    if (auto ok = writeDisplayImage(toDisplay16(signal), tmp, o); !ok) {
        throw HdrError(ok.error());
    }
    ReadOptions ro;
    ro.applyIcc = false;
    auto back = readImage(tmp, ro);
    std::error_code ec;
    fs::remove(tmp, ec);
    if (!back) {
        throw HdrError(back.error());
    }
    ImageF out(back->width(), back->height(), 3);
    for (std::int64_t i = 0; i < out.pixelCount(); ++i) {
        for (int c = 0; c < 3; ++c) { // the reader decoded sRGB; undo it to get the code values
            out.data()[i * 3 + c] =
                std::round(srgbEncode(back->data()[i * back->channels() + c]) * 255.0f) / 255.0f;
        }
    }
    return out;
}

void put16(std::vector<std::uint8_t>& b, unsigned v)
{
    b.push_back(std::uint8_t(v & 0xFF));
    b.push_back(std::uint8_t(v >> 8));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v)
{
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

// Inserts an APP1 segment after SOI (and after a JFIF APP0 when present).
std::vector<std::uint8_t> withExif(const std::vector<std::byte>& jpeg,
                                   const std::vector<std::uint8_t>& payload)
{
    std::vector<std::uint8_t> in(jpeg.size());
    std::memcpy(in.data(), jpeg.data(), jpeg.size());
    if (in.size() < 4 || in[0] != 0xFF || in[1] != 0xD8) {
        throwError(ErrorCode::Internal, "the JPEG encoder wrote no SOI marker");
    }
    std::size_t at = 2;
    if (in[2] == 0xFF && in[3] == 0xE0 && in.size() > 6) {
        at = 4 + ((std::size_t(in[4]) << 8) | in[5]);
    }
    std::vector<std::uint8_t> seg = {
        0xFF, 0xE1, std::uint8_t((payload.size() + 2) >> 8), std::uint8_t((payload.size() + 2) & 0xFF)};
    seg.insert(seg.end(), payload.begin(), payload.end());
    in.insert(in.begin() + std::ptrdiff_t(at), seg.begin(), seg.end());
    return in;
}

} // namespace

const char* nameOf(ResponseCurve r)
{
    switch (r) {
    case ResponseCurve::Srgb: return "srgb";
    case ResponseCurve::Gamma: return "gamma";
    case ResponseCurve::Film: return "film";
    }
    return "srgb";
}

const char* nameOf(MetadataCorruption c)
{
    switch (c) {
    case MetadataCorruption::None: return "none";
    case MetadataCorruption::Missing: return "missing";
    case MetadataCorruption::Wrong: return "wrong";
    case MetadataCorruption::Swapped: return "swapped";
    }
    return "none";
}

Status BracketParams::validate() const
{
    if (evs.empty() || evs.size() > 32) {
        return fail(ErrorCode::InvalidArgument, "give 1 to 32 exposure values");
    }
    for (float ev : evs) {
        if (!(std::fabs(ev) <= 20.0f)) {
            return fail(ErrorCode::InvalidArgument, "exposure values must be within ±20 EV");
        }
    }
    if (!(gamma >= 1.0f && gamma <= 4.0f) || !(noiseSigma >= 0.0f && noiseSigma < 1.0f) ||
        !(photonsAtWhite >= 0.0f)) {
        return fail(ErrorCode::InvalidArgument, "gamma must be 1-4, noise sigma 0-1, photons >= 0");
    }
    if (jpegQuality < 0 || jpegQuality > 100) {
        return fail(ErrorCode::InvalidArgument, "JPEG quality must be 1-100 (0 = lossless PNG)");
    }
    if (!(baseExposureTime > 0.0) || !(fNumber > 0.0) || iso <= 0 || iso > 65535) {
        return fail(ErrorCode::InvalidArgument, "exposure time, f-number and ISO must be positive");
    }
    return {};
}

float applyResponse(const BracketParams& p, float x)
{
    x = std::clamp(x, 0.0f, 1.0f);
    switch (p.response) {
    case ResponseCurve::Srgb: return srgbEncode(x);
    case ResponseCurve::Gamma: return std::pow(x, 1.0f / p.gamma);
    case ResponseCurve::Film: return srgbEncode(narkowicz(x));
    }
    return x;
}

Result<std::vector<BracketFrame>>
synthesizeBrackets(const ImageF& scene, const BracketParams& p, JobContext& ctx)
{
    if (auto ok = p.validate(); !ok) {
        return tl::unexpected(ok.error());
    }
    if (scene.empty()) {
        return fail(ErrorCode::InvalidArgument, "the HDR image is empty");
    }
    return guarded(ErrorCode::Internal, "synthetic brackets", [&] {
        std::vector<BracketFrame> frames;
        std::mt19937_64 rng(p.seed);
        std::normal_distribution<float> gauss(0.0f, 1.0f);
        const int ch = scene.channels();
        for (std::size_t k = 0; k < p.evs.size(); ++k) {
            throwIfCancelled(ctx);
            ctx.setProgress(double(k) / double(p.evs.size()), "Synthesising brackets");
            BracketFrame f;
            f.ev = p.evs[k];
            f.exposureTime = p.baseExposureTime * std::exp2(double(f.ev));
            f.signal = ImageF(scene.width(), scene.height(), 3);
            const float scale = std::exp2(f.ev);
            for (std::int64_t i = 0; i < scene.pixelCount(); ++i) {
                for (int c = 0; c < 3; ++c) {
                    float v = scene.data()[i * ch + c];
                    v = std::isfinite(v) ? std::max(v, 0.0f) * scale : (std::isnan(v) ? 0.0f : 1.0f);
                    v = std::min(v, 4.0f); // saturated anyway; keeps the Poisson mean small
                    if (p.photonsAtWhite > 0.0f) {
                        std::poisson_distribution<long> shot(double(v) * p.photonsAtWhite);
                        v = float(shot(rng)) / p.photonsAtWhite;
                    }
                    if (p.noiseSigma > 0.0f) {
                        v += p.noiseSigma * gauss(rng);
                    }
                    f.signal.data()[i * 3 + c] = std::round(applyResponse(p, v) * 255.0f) / 255.0f;
                }
            }
            if (p.jpegQuality > 0) {
                f.signal = jpegRoundTrip(f.signal, p.jpegQuality, p.seed * 1000 + k);
            }
            frames.push_back(std::move(f));
        }
        // Metadata as written, after the requested corruption.
        for (std::size_t k = 0; k < frames.size(); ++k) {
            double t = frames[k].exposureTime;
            if (p.corruption == MetadataCorruption::Missing) {
                t = 0;
            } else if (p.corruption == MetadataCorruption::Wrong && k % 2 == 1) {
                t *= 2.0;
            } else if (p.corruption == MetadataCorruption::Swapped && frames.size() > 1 &&
                       (k == 0 || k + 1 == frames.size())) {
                t = frames[k == 0 ? frames.size() - 1 : 0].exposureTime;
            }
            frames[k].writtenExposureTime = t;
        }
        ctx.setProgress(1.0, "Synthesising brackets");
        return frames;
    });
}

std::vector<std::uint8_t> makeExifPayload(double exposureTime, double fNumber, int iso)
{
    // "Exif\0\0", TIFF header (II, 42, IFD0 at 8); IFD0: one entry ExifIFD pointer; Exif IFD: three.
    std::vector<std::uint8_t> b = {'E', 'x', 'i', 'f', 0, 0};
    std::vector<std::uint8_t> t = {'I', 'I', 42, 0, 8, 0, 0, 0};
    const std::uint32_t exifIfd = 8 + 2 + 12 + 4;
    put16(t, 1);
    put16(t, 0x8769);
    put16(t, 4); // LONG
    put32(t, 1);
    put32(t, exifIfd);
    put32(t, 0);
    const std::uint32_t data = exifIfd + 2 + 3 * 12 + 4; // rationals follow the Exif IFD
    put16(t, 3);
    put16(t, 0x829A); // ExposureTime, RATIONAL
    put16(t, 5);
    put32(t, 1);
    put32(t, data);
    put16(t, 0x829D); // FNumber, RATIONAL
    put16(t, 5);
    put32(t, 1);
    put32(t, data + 8);
    put16(t, 0x8827); // ISOSpeedRatings, SHORT
    put16(t, 3);
    put32(t, 1);
    put16(t, unsigned(iso));
    put16(t, 0);
    put32(t, 0);
    // Exposure time as 1/N for N >= 1 (how cameras write it), else as tenths of a second.
    if (exposureTime < 1.0) {
        put32(t, 1000000);
        put32(t, std::uint32_t(std::lround(1000000.0 / exposureTime)));
    } else {
        put32(t, std::uint32_t(std::lround(exposureTime * 1000.0)));
        put32(t, 1000);
    }
    put32(t, std::uint32_t(std::lround(fNumber * 10.0)));
    put32(t, 10);
    b.insert(b.end(), t.begin(), t.end());
    return b;
}

Result<std::vector<fs::path>> writeBrackets(const std::vector<BracketFrame>& frames,
                                            const BracketParams& p,
                                            const fs::path& dir,
                                            bool overwrite)
{
    return guarded(ErrorCode::IoError, dir.string(), [&] {
        fs::create_directories(dir);
        std::vector<fs::path> paths;
        nlohmann::json frameInfo = nlohmann::json::array();
        for (std::size_t k = 0; k < frames.size(); ++k) {
            const BracketFrame& f = frames[k];
            char name[32];
            std::snprintf(name, sizeof name, "frame_%02zu.%s", k, p.jpegQuality > 0 ? "jpg" : "png");
            const fs::path path = dir / name;
            WriteOptions o;
            o.embedIcc = false;
            o.overwrite = true;
            if (p.jpegQuality > 0) {
                // Encode to a scratch file, add the EXIF segment, then write the result atomically.
                o.format = FileFormat::Jpeg;
                o.jpegQuality = p.jpegQuality;
                const fs::path scratch = dir / (std::string(".") + name + ".encode");
                if (auto ok = writeDisplayImage(toDisplay16(f.signal), scratch, o); !ok) {
                    throw HdrError(ok.error());
                }
                auto bytes = readFileBytes(scratch, std::size_t(1) << 30);
                std::error_code ec;
                fs::remove(scratch, ec);
                if (!bytes) {
                    throw HdrError(bytes.error());
                }
                std::vector<std::uint8_t> out(bytes->size());
                std::memcpy(out.data(), bytes->data(), bytes->size());
                if (f.writtenExposureTime > 0) { // "missing" metadata: no EXIF segment at all
                    out = withExif(*bytes, makeExifPayload(f.writtenExposureTime, p.fNumber, p.iso));
                }
                if (auto ok = writeFileAtomically(
                        path,
                        std::as_bytes(std::span<const std::uint8_t>(out.data(), out.size())),
                        overwrite);
                    !ok) {
                    throw HdrError(ok.error());
                }
            } else {
                o.format = FileFormat::Png;
                o.sampleType = SampleType::U8;
                o.overwrite = overwrite;
                if (auto ok = writeDisplayImage(toDisplay16(f.signal), path, o); !ok) {
                    throw HdrError(ok.error());
                }
            }
            paths.push_back(path);
            frameInfo.push_back({{"file", name},
                                 {"ev", f.ev},
                                 {"exposure_time", f.exposureTime},
                                 {"written_exposure_time",
                                  f.writtenExposureTime > 0 ? nlohmann::json(f.writtenExposureTime)
                                                            : nlohmann::json(nullptr)},
                                 {"f_number", p.fNumber},
                                 {"iso", p.iso}});
        }
        const nlohmann::json sidecar = {{"response", nameOf(p.response)},
                                        {"gamma", p.gamma},
                                        {"noise_sigma", p.noiseSigma},
                                        {"photons_at_white", p.photonsAtWhite},
                                        {"jpeg_quality", p.jpegQuality},
                                        {"corrupt_metadata", nameOf(p.corruption)},
                                        {"seed", p.seed},
                                        {"exif_in_files", p.jpegQuality > 0},
                                        {"frames", frameInfo}};
        const std::string text = sidecar.dump(2) + "\n";
        if (auto ok = writeFileAtomically(dir / "brackets.json",
                                          std::as_bytes(std::span<const char>(text.data(), text.size())),
                                          overwrite);
            !ok) {
            throw HdrError(ok.error());
        }
        return paths;
    });
}

} // namespace hdr::core
