// PNG through libpng 1.6: 1-16 bit grey/palette/RGB(A) in, 8/16-bit RGB(A) out, with iCCP, sRGB,
// gAMA, cICP (coding-independent code points, written and read as a raw chunk since libpng 1.6.39
// predates it) and tEXt/iTXt text.
//
// libpng reports errors by longjmp. Every libpng call that can fail runs inside a small "stage"
// function that owns the setjmp and has only trivially destructible locals; C++ objects (vectors,
// strings, the RAII handle) live in the caller's frame, which longjmp never unwinds.

#include "common/AtomicFile.h"
#include "io/DisplayCodec.h"
#include "io/FormatReaders.h"
#include "io/ReadBounds.h"

#include <png.h>

#include <bit>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>

namespace hdr::core {
namespace fs = std::filesystem;
using namespace io_detail;

namespace {

// cICP code points (ITU-T H.273) we understand.
constexpr int kCicpBt709 = 1, kCicpBt2020 = 9, kCicpP3D65 = 12;
constexpr int kCicpTransferLinear = 8, kCicpTransferSrgb = 13, kCicpTransferPq = 16, kCicpTransferHlg = 18;
constexpr int kCicpTransferGamma22 = 4, kCicpTransferGamma28 = 5;

// Shared with the libpng callbacks through png_get_error_ptr / png_get_user_chunk_ptr.
// Plain data only: it is touched on both sides of a longjmp.
struct PngCallbackState {
    char message[256] = {};
    bool haveCicp = false;
    unsigned char cicp[4] = {};
};

[[noreturn]] void onPngError(png_structp png, png_const_charp message)
{
    auto* state = static_cast<PngCallbackState*>(png_get_error_ptr(png));
    if (state && state->message[0] == 0) {
        std::snprintf(
            state->message, sizeof(state->message), "%s", message ? message : "unknown libpng error");
    }
    png_longjmp(png, 1);
}

void onPngWarning(png_structp, png_const_charp)
{
} // warnings (bad ancillary chunks) are not user-visible

int onUnknownChunk(png_structp png, png_unknown_chunkp chunk)
{
    auto* state = static_cast<PngCallbackState*>(png_get_user_chunk_ptr(png));
    if (state && std::memcmp(chunk->name, "cICP", 4) == 0 && chunk->size == 4) {
        state->haveCicp = true;
        std::memcpy(state->cicp, chunk->data, 4);
        return 1;
    }
    return 0; // let libpng apply its default handling (discard)
}

// Owns the libpng structs and the FILE; destroyed in the caller's frame after any longjmp.
struct PngHandle {
    png_structp png = nullptr;
    png_infop info = nullptr;
    std::FILE* file = nullptr;
    bool writing = false;

    PngHandle() = default;
    PngHandle(const PngHandle&) = delete;
    PngHandle& operator=(const PngHandle&) = delete;
    ~PngHandle()
    {
        if (png) {
            if (writing) {
                png_destroy_write_struct(&png, info ? &info : nullptr);
            } else {
                png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
            }
        }
        if (file) {
            std::fclose(file);
        }
    }
};

struct PngLayout {
    png_uint_32 width = 0, height = 0;
    int bitDepth = 0, colorType = 0; // as stored
    int outChannels = 0, outBitDepth = 0;
    std::size_t rowBytes = 0;
};

bool readPngHeaderStage(png_structp png, png_infop info, PngLayout* layout)
{
    if (setjmp(png_jmpbuf(png))) {
        return false;
    }
    png_read_info(png, info);
    layout->width = png_get_image_width(png, info);
    layout->height = png_get_image_height(png, info);
    layout->bitDepth = png_get_bit_depth(png, info);
    layout->colorType = png_get_color_type(png, info);
    if (layout->colorType == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (layout->colorType == PNG_COLOR_TYPE_GRAY && layout->bitDepth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(png);
    }
    if (layout->bitDepth == 16 && std::endian::native == std::endian::little) {
        png_set_swap(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    layout->outChannels = png_get_channels(png, info);
    layout->outBitDepth = png_get_bit_depth(png, info);
    layout->rowBytes = png_get_rowbytes(png, info);
    return true;
}

bool readPngPixelsStage(png_structp png, png_infop info, png_bytepp rows)
{
    if (setjmp(png_jmpbuf(png))) {
        return false;
    }
    png_read_image(png, rows);
    png_read_end(png, info);
    return true;
}

std::string libpngMessage(const PngCallbackState& state, const char* fallback)
{
    return state.message[0] ? std::string(state.message) : std::string(fallback);
}

// Text chunks (tEXt/zTXt are Latin-1, iTXt is UTF-8) into attributes.
void collectText(png_structp png, png_infop info, std::map<std::string, std::string>& attributes)
{
    png_textp texts = nullptr;
    int count = 0;
    png_get_text(png, info, &texts, &count);
    for (int i = 0; i < count; ++i) {
        const png_text& t = texts[i];
        if (!t.key || !t.text) {
            continue;
        }
        const bool utf8 =
            t.compression == PNG_ITXT_COMPRESSION_NONE || t.compression == PNG_ITXT_COMPRESSION_zTXt;
        const std::size_t length = utf8 ? t.itxt_length : t.text_length;
        std::string value(t.text, length);
        attributes[latin1ToUtf8(t.key)] = utf8 ? value : latin1ToUtf8(value);
    }
}

struct PngColorTags {
    Transfer transfer = Transfer::srgb();
    LinearColorSpace primaries;
    std::vector<std::uint8_t> icc;
};

// Precedence as in PNG 3rd edition: cICP, then iCCP, then sRGB, then gAMA.
PngColorTags colorTagsOf(png_structp png, png_infop info, const PngCallbackState& state)
{
    PngColorTags tags;
    unsigned char cicp[4] = {};
    bool haveCicp = state.haveCicp;
    std::memcpy(cicp, state.cicp, 4);
#ifdef PNG_cICP_SUPPORTED
    png_byte cp = 0, tc = 0, mc = 0, fr = 0;
    if (png_get_cICP(png, info, &cp, &tc, &mc, &fr)) {
        haveCicp = true;
        cicp[0] = cp, cicp[1] = tc, cicp[2] = mc, cicp[3] = fr;
    }
#endif
    if (haveCicp && cicp[2] == 0 && cicp[3] == 1) {
        std::optional<Primaries> primaries;
        std::optional<Transfer> transfer;
        switch (cicp[0]) {
        case kCicpBt709: primaries = Primaries::Rec709; break;
        case kCicpBt2020: primaries = Primaries::Rec2020; break;
        case kCicpP3D65: primaries = Primaries::DisplayP3; break;
        default: break;
        }
        switch (cicp[1]) {
        case kCicpTransferLinear: transfer = Transfer::linear(); break;
        case kCicpTransferSrgb: transfer = Transfer::srgb(); break;
        case kCicpTransferPq: transfer = Transfer::pq(); break;
        case kCicpTransferHlg: transfer = Transfer::hlg(); break;
        case kCicpTransferGamma22: transfer = Transfer::pureGamma(2.2f); break;
        case kCicpTransferGamma28: transfer = Transfer::pureGamma(2.8f); break;
        default: break;
        }
        if (primaries && transfer) {
            tags.primaries = LinearColorSpace{*primaries, {}};
            tags.transfer = *transfer;
            return tags; // an iCCP next to cICP is ignored, as the PNG spec asks
        }
    }
    png_charp name = nullptr;
    int compression = 0;
    png_bytep profile = nullptr;
    png_uint_32 profileLength = 0;
    if (png_get_iCCP(png, info, &name, &compression, &profile, &profileLength) && profile &&
        profileLength > 0) {
        tags.icc.assign(profile, profile + profileLength);
        return tags;
    }
    if (png_get_valid(png, info, PNG_INFO_sRGB)) {
        return tags;
    }
    png_fixed_point gamma = 0;
    if (png_get_gAMA_fixed(png, info, &gamma) && gamma > 0) {
        const double fileGamma = double(gamma) / 100000.0;
        if (std::abs(fileGamma - 1.0) < 0.01) {
            tags.transfer = Transfer::linear();
        } else if (std::abs(fileGamma - 0.45455) > 0.0005) {
            // gAMA 0.45455 alone is what most encoders write for sRGB content, and browsers
            // treat it so; any other value is taken literally as a pure power law.
            tags.transfer = Transfer::pureGamma(float(1.0 / fileGamma));
        }
    }
    return tags;
}

template <typename T>
Result<ImageF> finishPng(const std::vector<png_byte>& buffer,
                         const PngLayout& layout,
                         PngColorTags&& tags,
                         ImageMetadata&& metadata,
                         const ReadOptions& options)
{
    DisplayImage<T> display;
    display.width = int(layout.width);
    display.height = int(layout.height);
    display.channels = outputChannels(layout.outChannels);
    display.transfer = tags.transfer;
    display.primaries = tags.primaries;
    display.metadata = std::move(metadata);
    display.metadata.iccProfile = std::move(tags.icc);
    display.pixels.resize(std::size_t(display.width) * std::size_t(display.height) *
                          std::size_t(display.channels));
    for (int y = 0; y < display.height; ++y) {
        const T* src = reinterpret_cast<const T*>(buffer.data() + std::size_t(y) * layout.rowBytes);
        expandRowToRgb(src, layout.outChannels, layout.outChannels, display.row(y), display.width);
    }
    return linearizeDecoded(std::move(display), options);
}

std::uint64_t storedSamplesPerPixel(int colorType)
{
    switch (colorType) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 1; // grey, palette index
    }
}

const char* pngChannelNames(int colorType)
{
    switch (colorType) {
    case PNG_COLOR_TYPE_GRAY: return "Y";
    case PNG_COLOR_TYPE_GRAY_ALPHA: return "YA";
    case PNG_COLOR_TYPE_PALETTE: return "P";
    case PNG_COLOR_TYPE_RGB_ALPHA: return "RGBA";
    default: return "RGB";
    }
}

} // namespace

Result<ImageF> readPng(const fs::path& path, const ReadOptions& options)
{
    const std::string where = path.string();
    PngCallbackState state;
    PngHandle handle;
    handle.file = std::fopen(path.c_str(), "rb");
    if (!handle.file) {
        return fail(ErrorCode::IoError, "cannot open the PNG file for reading", where);
    }
    unsigned char signature[8] = {};
    if (std::fread(signature, 1, 8, handle.file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        return fail(ErrorCode::UnsupportedFormat, "not a PNG file (bad signature)", where);
    }
    handle.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, onPngError, onPngWarning);
    if (!handle.png || !(handle.info = png_create_info_struct(handle.png))) {
        return fail(ErrorCode::Internal, "libpng could not be initialised", where);
    }
    png_init_io(handle.png, handle.file);
    png_set_sig_bytes(handle.png, 8);
    // Our own checkImageSize() decides on sizes (with a LimitExceeded error); libpng's limit only
    // has to be out of the way. Single chunks (ICC, text) are capped at 64 MiB.
    png_set_user_limits(handle.png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_chunk_malloc_max(handle.png, 64u << 20);
    png_set_read_user_chunk_fn(handle.png, &state, onUnknownChunk);

    PngLayout layout;
    if (!readPngHeaderStage(handle.png, handle.info, &layout)) {
        return fail(
            ErrorCode::CorruptData, "damaged PNG header: " + libpngMessage(state, "unreadable"), where);
    }
    if (auto ok = checkImageSize(layout.width, layout.height, options.limits, where); !ok) {
        return tl::unexpected(ok.error());
    }
    // The pixels are deflate-compressed, which packs at most 1032 bytes into one (a 258-byte match
    // in 2 bits), and even interlaced every sample is stored once: a file smaller than its raw
    // samples / 1032 cannot hold the image it claims. Checked before the row buffers exist.
    const std::uint64_t rawBytes =
        ceilDiv(std::uint64_t(layout.width) * layout.height * storedSamplesPerPixel(layout.colorType) *
                    std::uint64_t(layout.bitDepth),
                8);
    if (const std::uint64_t fileBytes = fileSizeOf(handle.file); fileBytes < ceilDiv(rawBytes, 1032)) {
        return tl::unexpected(claimExceedsFile("PNG",
                                               layout.width,
                                               layout.height,
                                               fileBytes,
                                               ceilDiv(rawBytes, 1032),
                                               "with " + std::to_string(rawBytes) +
                                                   " bytes of samples at deflate's best ratio (1032:1)",
                                               where));
    }
    if ((layout.outBitDepth != 8 && layout.outBitDepth != 16) || layout.outChannels < 1 ||
        layout.outChannels > 4) {
        return fail(ErrorCode::UnsupportedFormat, "unsupported PNG sample layout", where);
    }
    std::vector<png_byte> buffer(layout.rowBytes * layout.height);
    std::vector<png_bytep> rows(layout.height);
    for (png_uint_32 y = 0; y < layout.height; ++y) {
        rows[y] = buffer.data() + std::size_t(y) * layout.rowBytes;
    }
    if (!readPngPixelsStage(handle.png, handle.info, rows.data())) {
        return fail(ErrorCode::CorruptData,
                    "damaged or truncated PNG data: " + libpngMessage(state, "unreadable"),
                    where);
    }

    ImageMetadata metadata;
    metadata.sourceFormat = "PNG";
    metadata.sourcePixelType = layout.bitDepth == 16 ? "uint16" : "uint8";
    if (layout.bitDepth < 8) {
        metadata.sourcePixelType = "uint" + std::to_string(layout.bitDepth);
    }
    metadata.sourceCompression = "deflate";
    for (const char* c = pngChannelNames(layout.colorType); *c; ++c) {
        metadata.sourceChannels.emplace_back(1, *c);
    }
    collectText(handle.png, handle.info, metadata.attributes);
    PngColorTags tags = colorTagsOf(handle.png, handle.info, state);
    try {
        if (layout.outBitDepth == 16) {
            return finishPng<std::uint16_t>(buffer, layout, std::move(tags), std::move(metadata), options);
        }
        return finishPng<std::uint8_t>(buffer, layout, std::move(tags), std::move(metadata), options);
    } catch (...) {
        return tl::unexpected(errorFromCurrentException(ErrorCode::Internal, where));
    }
}

namespace {

struct PngWriteJob {
    png_uint_32 width = 0, height = 0;
    int bitDepth = 8, colorType = PNG_COLOR_TYPE_RGB;
    png_bytepp rows = nullptr;
    const png_text* texts = nullptr;
    int textCount = 0;
    const std::uint8_t* icc = nullptr;
    png_uint_32 iccLength = 0;
    bool srgbChunk = false;
    double gamma = 0.0; // file gamma for gAMA (0 = none)
    bool writeCicp = false;
    png_byte cicp[4] = {};
};

bool writePngStage(png_structp png, png_infop info, const PngWriteJob* job)
{
    if (setjmp(png_jmpbuf(png))) {
        return false;
    }
    png_set_IHDR(png,
                 info,
                 job->width,
                 job->height,
                 job->bitDepth,
                 job->colorType,
                 PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (job->icc) {
        png_set_iCCP(png, info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, job->icc, job->iccLength);
    } else if (job->srgbChunk) {
        png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
    } else if (job->gamma > 0.0) {
        png_set_gAMA(png, info, job->gamma);
    }
    if (job->textCount > 0) {
        png_set_text(png, info, job->texts, job->textCount);
    }
    png_write_info(png, info);
    if (job->writeCicp) {
        // After IHDR and before IDAT, where the chunk must be.
        png_write_chunk(png, reinterpret_cast<png_const_bytep>("cICP"), job->cicp, 4);
    }
    if (job->bitDepth == 16 && std::endian::native == std::endian::little) {
        png_set_swap(png);
    }
    png_write_image(png, job->rows);
    png_write_end(png, info);
    return true;
}

bool validPngKeyword(const std::string& key)
{
    if (key.empty() || key.size() > 79 || key.front() == ' ' || key.back() == ' ' ||
        key.find("  ") != key.npos) {
        return false;
    }
    for (unsigned char c : key) {
        if (c < 32 || c > 126) {
            return false; // printable ASCII only: the key travels unconverted
        }
    }
    return true;
}

std::optional<int> cicpPrimariesCode(const LinearColorSpace& cs)
{
    switch (cs.primaries) {
    case Primaries::Rec709: return kCicpBt709;
    case Primaries::Rec2020: return kCicpBt2020;
    case Primaries::DisplayP3: return kCicpP3D65;
    default: return std::nullopt;
    }
}

} // namespace

Status writePngDisplay(const DisplayImage16& image, const fs::path& path, const WriteOptions& options)
{
    const std::string where = path.string();
    const SampleType sampleType = options.sampleType.value_or(SampleType::U8);
    if (sampleType != SampleType::U8 && sampleType != SampleType::U16) {
        return fail(
            ErrorCode::InvalidArgument, "PNG files are 8- or 16-bit; use EXR or TIFF for float", where);
    }
    if (image.width <= 0 || image.height <= 0 || (image.channels != 3 && image.channels != 4) ||
        image.pixels.size() !=
            std::size_t(image.width) * std::size_t(image.height) * std::size_t(image.channels)) {
        return fail(ErrorCode::InvalidArgument, "nothing to write: the image is empty or malformed", where);
    }
    PngWriteJob job;
    job.width = png_uint_32(image.width);
    job.height = png_uint_32(image.height);
    job.bitDepth = sampleType == SampleType::U16 ? 16 : 8;
    job.colorType = image.channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB;

    const bool hdrTransfer =
        image.transfer.kind == TransferKind::PQ || image.transfer.kind == TransferKind::HLG;
    if (hdrTransfer) {
        const std::optional<int> primariesCode = cicpPrimariesCode(image.primaries);
        if (!primariesCode) {
            return fail(
                ErrorCode::InvalidArgument,
                "PQ/HLG PNG files can be tagged only with Rec.2020, Rec.709 or Display P3 primaries; got " +
                    image.primaries.name(),
                where);
        }
        job.writeCicp = true;
        job.cicp[0] = png_byte(*primariesCode);
        job.cicp[1] = png_byte(image.transfer.kind == TransferKind::PQ ? kCicpTransferPq : kCicpTransferHlg);
        job.cicp[2] = 0; // RGB, no matrix
        job.cicp[3] = 1; // full range
    }
    const std::vector<std::uint8_t> icc = iccProfileFor(image, options);
    if (!icc.empty()) {
        job.icc = icc.data();
        job.iccLength = png_uint_32(icc.size());
    } else if (!hdrTransfer) {
        job.srgbChunk =
            image.transfer.kind == TransferKind::Srgb && image.primaries.primaries == Primaries::Rec709;
        if (image.transfer.kind == TransferKind::Gamma) {
            job.gamma = 1.0 / double(image.transfer.gamma);
        } else if (image.transfer.kind == TransferKind::Linear) {
            job.gamma = 1.0;
        }
    }

    // Text: tEXt when the value is ASCII (A1111 "parameters" stays byte for byte), iTXt otherwise.
    const std::map<std::string, std::string> attributes = mergedAttributes(image.metadata, options);
    std::vector<png_text> texts;
    for (const auto& [key, value] : attributes) {
        if (!validPngKeyword(key)) {
            continue;
        }
        png_text t{};
        t.key = const_cast<png_charp>(key.c_str());
        t.text = const_cast<png_charp>(value.c_str());
        if (isAscii(value)) {
            t.compression = value.size() > 4096 ? PNG_TEXT_COMPRESSION_zTXt : PNG_TEXT_COMPRESSION_NONE;
            t.text_length = value.size();
        } else {
            t.compression = PNG_ITXT_COMPRESSION_NONE;
            t.itxt_length = value.size();
            t.lang = const_cast<png_charp>("");
            t.lang_key = const_cast<png_charp>("");
        }
        texts.push_back(t);
    }
    job.texts = texts.data();
    job.textCount = int(texts.size());

    std::vector<std::uint8_t> bytes8;
    const png_byte* base = reinterpret_cast<const png_byte*>(image.pixels.data());
    std::size_t rowBytes = std::size_t(image.width) * std::size_t(image.channels) * 2;
    if (job.bitDepth == 8) {
        bytes8 = quantizeTo8(image.pixels);
        base = bytes8.data();
        rowBytes /= 2;
    }
    std::vector<png_bytep> rows(job.height);
    for (png_uint_32 y = 0; y < job.height; ++y) {
        rows[y] = const_cast<png_bytep>(base + std::size_t(y) * rowBytes);
    }
    job.rows = rows.data();

    auto out = AtomicOutputFile::create(path, options.overwrite);
    if (!out) {
        return tl::unexpected(out.error());
    }
    PngCallbackState state;
    {
        PngHandle handle;
        handle.writing = true;
        handle.file = std::fopen(out->tempPath().c_str(), "wb");
        if (!handle.file) {
            return fail(ErrorCode::IoError, "cannot create the output file", where);
        }
        handle.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, onPngError, onPngWarning);
        if (!handle.png || !(handle.info = png_create_info_struct(handle.png))) {
            return fail(ErrorCode::Internal, "libpng could not be initialised", where);
        }
        png_init_io(handle.png, handle.file);
        if (!writePngStage(handle.png, handle.info, &job)) {
            return fail(
                ErrorCode::IoError, "writing the PNG failed: " + libpngMessage(state, "libpng error"), where);
        }
        const bool flushed = std::fflush(handle.file) == 0 && !std::ferror(handle.file);
        const int closed = std::fclose(handle.file);
        handle.file = nullptr;
        if (!flushed || closed != 0) {
            return fail(ErrorCode::IoError, "writing the PNG failed (disk full?)", where);
        }
    }
    return out->commit();
}

} // namespace hdr::core
