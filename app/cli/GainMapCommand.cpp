// `hdrstudio-cli gainmap decode|encode|from-qmax`: Ultra HDR / gain-map JPEGs and GM-Diffusion maps.
// Parses options into the core requests of io/UltraHdr.h and gainmap/GmDiffusion.h.
#include "color/Icc.h"
#include "commandline/CliCommon.h"
#include "common/AtomicFile.h"
#include "gainmap/GmDiffusion.h"
#include "image/DisplayImage.h"
#include "io/FormatReaders.h"
#include "io/ImageIO.h"
#include "io/UltraHdr.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kDecode{
    "gainmap decode",
    "IN.jpg --output OUT [options]",
    "Reconstructs the HDR image of an Ultra HDR / Adobe / Apple gain-map JPEG.",
    "The SDR base is linearised through its ICC profile (scene-linear Rec.709) and the gain map applied\n"
    "with the ISO 21496-1 weight for the given display headroom. OUT: exr (half unless --float), hdr, tiff.",
    {outputOption("OUT", "output file (scene-linear: .exr, .hdr, .tif)"),
     {"headroom", "STOPS", "display headroom log2(HDR white / SDR white); default: the full boost"},
     {"float", "", "EXR/TIFF: 32-bit float samples"},
     overwriteOption()},
    1,
    1};

const CommandSpec kEncode{
    "gainmap encode",
    "IN_HDR --output OUT.jpg [options]",
    "Writes an Ultra HDR JPEG (JPEG_R): SDR base + gain map + hdrgm XMP, ISO 21496-1 and MPF metadata.",
    "Without --sdr the base is tone-mapped from the HDR (--tonemap, default reinhard). The gain map is\n"
    "computed against the base as decoders will see it (after JPEG compression).",
    {outputOption("OUT", "output .jpg"),
     {"sdr", "SDR", "SDR rendition to use as the base (same size as IN_HDR)"},
     jpegQualityOption(92, "JPEG quality of the base"),
     {"map-quality", "Q", "JPEG quality of the gain map 1-100 (default 90)"},
     {"map-scale", "N", "gain map is 1/N of the image size on each side (default 1)"},
     {"channels", "1|3", "gain map channels: 1 (luminance) or 3 (per channel, default)"},
     toneMapOption("reinhard"),
     overwriteOption()},
    1,
    1};

const CommandSpec kFromQmax{
    "gainmap from-qmax",
    "SDR.png GM.png --qmax 9|49|99 --output OUT.jpg|OUT.exr",
    "Converts a GM-Diffusion (ICCV 2025) SDR + gain map pair into Ultra HDR or scene-linear HDR.",
    "HDR = (SDR^2.2 + 1/64)(1 + GM * qmax) - 1/64 (SDR and GM read as 8/16-bit sRGB-encoded values).\n"
    "OUT.jpg: an exact standard gain map (GainMapMax log2(1+qmax), offsets 1/64, gamma 1) on a base tagged\n"
    "with a gamma-2.2 ICC profile; 8-bit map error <= 2^(log2(1+qmax)/510) - 1 (0.9 % for qmax 99).\n"
    "OUT.exr / .hdr / .tif: the HDR itself (linear Rec.709, 1.0 = SDR white).",
    {{"qmax", "Q", "the model's qmax (9, 49 or 99)"},
     outputOption("OUT", "output .jpg (Ultra HDR) or scene-linear file"),
     jpegQualityOption(95),
     overwriteOption()},
    2,
    2};

void printOverview()
{
    std::printf("usage: hdrstudio-cli gainmap decode|encode|from-qmax ...\n\n"
                "  decode     gain-map JPEG (Ultra HDR, Adobe, Apple) -> HDR (EXR)\n"
                "  encode     HDR (+ optional SDR) -> Ultra HDR JPEG\n"
                "  from-qmax  GM-Diffusion SDR + gain map -> Ultra HDR JPEG or HDR\n\n"
                "'hdrstudio-cli gainmap SUBCOMMAND --help' describes one.\n");
}

int runDecode(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kDecode, argv, args)) {
        return *stop;
    }
    const std::string out = args.requiredValue("output");
    std::string numberError;
    const auto headroom = args.number("headroom", numberError);
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    const std::string in = args.positional()[0];
    TerminalJobContext ctx;
    ctx.setProgress(0.0, "Reading");
    auto bytes = core::readFileBytes(in, std::size_t(1) << 30);
    if (!bytes) {
        return reportError(bytes.error());
    }
    auto contents = core::decodeGainMapJpeg(
        {reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()}, {}, in);
    if (!contents) {
        return reportError(contents.error());
    }
    const std::string summary = contents->metadata.summary(), source = contents->metadataSource;
    ctx.setProgress(0.5, "Applying gain map");
    auto hdr = core::combineGainMapJpeg(std::move(*contents),
                                        headroom ? std::optional<float>(float(*headroom)) : std::nullopt);
    if (!hdr) {
        return reportError(hdr.error());
    }
    core::WriteOptions options;
    options.overwrite = args.flag("overwrite");
    if (args.flag("float")) {
        options.sampleType = core::SampleType::Float;
    }
    ctx.setProgress(0.8, "Writing");
    if (auto ok = core::writeImage(*hdr, out, options); !ok) {
        return reportError(ok.error());
    }
    ctx.finish();
    float peak = 0;
    for (std::size_t i = 0, n = std::size_t(hdr->pixelCount()) * std::size_t(hdr->channels()); i < n; ++i) {
        peak = std::max(peak, std::isfinite(hdr->data()[i]) ? hdr->data()[i] : 0.0f);
    }
    std::printf("wrote %s (%dx%d, scene-linear %s, peak %.3g = %.2f stops over SDR white)\n"
                "gain map: %s from %s\n",
                out.c_str(),
                hdr->width(),
                hdr->height(),
                hdr->colorSpace.name().c_str(),
                double(peak),
                peak > 0 ? std::log2(double(peak)) : 0.0,
                summary.c_str(),
                source.c_str());
    return kExitOk;
}

int runEncode(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kEncode, argv, args)) {
        return *stop;
    }
    const std::string out = args.requiredValue("output");
    std::string numberError;
    core::UltraHdrWriteOptions options;
    options.overwrite = args.flag("overwrite");
    options.encode.channels = int(args.number("channels", numberError).value_or(3));
    options.encode.scale = int(args.number("map-scale", numberError).value_or(1));
    options.quality = int(args.number("quality", numberError).value_or(92));
    options.gainMapQuality = int(args.number("map-quality", numberError).value_or(90));
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    if (options.encode.channels != 1 && options.encode.channels != 3) {
        return usageError("--channels must be 1 or 3");
    }
    if (options.encode.scale < 1 || options.encode.scale > 128) {
        return usageError("--map-scale must be between 1 and 128");
    }
    if (options.quality < 1 || options.quality > 100 || options.gainMapQuality < 1 ||
        options.gainMapQuality > 100) {
        return usageError("--quality and --map-quality must be between 1 and 100");
    }
    if (auto op = args.value("tonemap")) {
        auto parsed = core::toneMapOperatorFromString(*op);
        if (!parsed) {
            return usageError("unknown --tonemap '" + *op + "'");
        }
        options.toneMap.op = *parsed;
    }
    TerminalJobContext ctx;
    ctx.setProgress(0.0, "Reading");
    auto hdr = core::readImage(args.positional()[0]);
    if (!hdr) {
        return reportError(hdr.error());
    }
    std::optional<core::ImageF> sdr;
    if (auto sdrPath = args.value("sdr")) {
        auto read = core::readImage(*sdrPath);
        if (!read) {
            return reportError(read.error());
        }
        sdr = std::move(*read);
    }
    if (auto ok = core::writeUltraHdr(*hdr, sdr ? &*sdr : nullptr, out, options, ctx); !ok) {
        return reportError(ok.error());
    }
    ctx.finish();
    std::printf("wrote %s (Ultra HDR JPEG, %dx%d, %d-channel gain map at 1/%d size)\n",
                out.c_str(),
                hdr->width(),
                hdr->height(),
                options.encode.channels,
                options.encode.scale);
    return kExitOk;
}

// 8/16-bit display files as encoded values in [0, 1]: read linear, re-encode with sRGB.
core::Result<core::ImageF> readEncoded(const std::string& path)
{
    core::ReadOptions options;
    options.applyIcc = false;
    auto image = core::readImage(path, options);
    if (!image) {
        return image;
    }
    core::ImageF rgb = core::withChannels(*image, 3);
    for (std::size_t i = 0, n = std::size_t(rgb.pixelCount()) * 3; i < n; ++i) {
        rgb.data()[i] = core::srgbEncode(rgb.data()[i]);
    }
    return rgb;
}

int runFromQmax(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kFromQmax, argv, args)) {
        return *stop;
    }
    const std::string out = args.requiredValue("output");
    std::string numberError;
    const auto qmax = args.number("qmax", numberError);
    const int quality = int(args.number("quality", numberError).value_or(95));
    if (!numberError.empty()) {
        return usageError(numberError);
    }
    if (!qmax) {
        return usageError("--qmax is required (GM-Diffusion uses 9, 49 or 99)");
    }
    const core::GmDiffusionParams params{float(*qmax)};
    if (auto ok = params.validate(); !ok) {
        return usageError(ok.error().message);
    }
    TerminalJobContext ctx;
    ctx.setProgress(0.0, "Reading");
    auto sdr = readEncoded(args.positional()[0]);
    if (!sdr) {
        return reportError(sdr.error());
    }
    auto gm = readEncoded(args.positional()[1]);
    if (!gm) {
        return reportError(gm.error());
    }
    const bool jpeg = core::formatFromExtension(out) == core::FileFormat::Jpeg;
    ctx.setProgress(0.4, "Converting");
    if (!jpeg) {
        auto hdr = core::gmDiffusionToHdr(*sdr, *gm, params);
        if (!hdr) {
            return reportError(hdr.error());
        }
        core::WriteOptions options;
        options.overwrite = args.flag("overwrite");
        if (auto ok = core::writeImage(*hdr, out, options); !ok) {
            return reportError(ok.error());
        }
        ctx.finish();
        std::printf("wrote %s (scene-linear Rec.709 HDR, qmax %g, peak %g x SDR white)\n",
                    out.c_str(),
                    *qmax,
                    *qmax + 1);
        return kExitOk;
    }
    if (sdr->width() != gm->width() || sdr->height() != gm->height()) {
        return reportError({core::ErrorCode::InvalidArgument,
                            "the SDR image and the gain map differ in size",
                            args.positional()[1]});
    }
    auto standard = core::gmDiffusionToStandard(*sdr, *gm, params);
    if (!standard) {
        return reportError(standard.error());
    }
    std::vector<std::uint8_t> base(std::size_t(sdr->pixelCount()) * 3);
    for (std::size_t i = 0; i < base.size(); ++i) {
        base[i] = std::uint8_t(std::lround(std::clamp(sdr->data()[i], 0.0f, 1.0f) * 255.0f));
    }
    const auto icc = core::makeIccProfile(
        core::LinearColorSpace{}, core::Transfer::pureGamma(2.2f), "Rec.709 gamma 2.2 (GM-Diffusion SDR)");
    auto bytes = core::assembleUltraHdr(
        base, sdr->width(), sdr->height(), icc, standard->map, standard->metadata, quality, quality);
    if (!bytes) {
        return reportError(bytes.error());
    }
    ctx.setProgress(0.8, "Writing");
    if (auto ok = core::writeFileAtomically(
            out, {reinterpret_cast<const std::byte*>(bytes->data()), bytes->size()}, args.flag("overwrite"));
        !ok) {
        return reportError(ok.error());
    }
    ctx.finish();
    std::printf("wrote %s (Ultra HDR JPEG: %s)\n", out.c_str(), standard->metadata.summary().c_str());
    return kExitOk;
}

} // namespace

int runGainMap(const std::vector<std::string>& argv)
{
    if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") {
        printOverview();
        return argv.empty() ? kExitUsage : kExitOk;
    }
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());
    if (argv[0] == "decode") {
        return runDecode(rest);
    }
    if (argv[0] == "encode") {
        return runEncode(rest);
    }
    if (argv[0] == "from-qmax") {
        return runFromQmax(rest);
    }
    return usageError("unknown gainmap subcommand '" + argv[0] + "' (decode, encode or from-qmax)");
}

} // namespace hdr::cli
