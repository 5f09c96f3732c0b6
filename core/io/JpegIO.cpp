// JPEG through libjpeg-turbo (libjpeg 6.2 API): 8-bit grey/RGB/CMYK in, 8-bit RGB out, ICC
// profiles in APP2 "ICC_PROFILE" markers, EXIF orientation applied on read, COM marker as the
// "comment" attribute.
//
// libjpeg's error_exit must not return; ours longjmps back into a small "stage" function that
// owns the setjmp and has only trivially destructible locals. C++ objects live in the caller's
// frame, which the longjmp never unwinds.

#include "common/AtomicFile.h"
#include "io/DisplayCodec.h"
#include "io/FormatReaders.h"
#include "io/ReadBounds.h"

#include <cstdio>
#include <cstdlib>
// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>

namespace hdr::core {
namespace fs = std::filesystem;
using namespace io_detail;

namespace {

struct JpegErrorManager {
    jpeg_error_mgr base; // first member: libjpeg hands us a pointer to it
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = {};
    bool truncated = false; // libjpeg hit the end of the file and padded the image with grey
};

[[noreturn]] void onJpegError(j_common_ptr cinfo)
{
    auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

// Warnings (recoverable glitches) stay quiet, except premature end of file, which libjpeg papers
// over with grey rows: we report that as a truncated file instead.
void onJpegMessage(j_common_ptr cinfo, int level)
{
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        reinterpret_cast<JpegErrorManager*>(cinfo->err)->truncated = true;
    }
}

// Owns the decompressor or compressor and the FILE; destroyed in the caller's frame.
struct JpegReadHandle {
    jpeg_decompress_struct cinfo{};
    JpegErrorManager err{};
    std::FILE* file = nullptr;
    const std::uint8_t* memory = nullptr; // in-memory source when file is null (gain-map JPEGs)
    std::size_t memorySize = 0;
    bool created = false;
    std::uint8_t* icc = nullptr; // malloc'ed by jpeg_read_icc_profile
    unsigned iccLength = 0;

    JpegReadHandle() = default;
    JpegReadHandle(const JpegReadHandle&) = delete;
    JpegReadHandle& operator=(const JpegReadHandle&) = delete;
    ~JpegReadHandle()
    {
        if (created) {
            jpeg_destroy_decompress(&cinfo);
        }
        std::free(icc);
        if (file) {
            std::fclose(file);
        }
    }
};

void installErrorManager(JpegErrorManager& err)
{
    jpeg_std_error(&err.base);
    err.base.error_exit = onJpegError;
    err.base.emit_message = onJpegMessage;
}

bool readJpegHeaderStage(JpegReadHandle* h)
{
    if (setjmp(h->err.jump)) {
        return false;
    }
    jpeg_create_decompress(&h->cinfo);
    h->created = true;
    if (h->file) {
        jpeg_stdio_src(&h->cinfo, h->file);
    } else {
        jpeg_mem_src(&h->cinfo, h->memory, static_cast<unsigned long>(h->memorySize));
    }
    jpeg_save_markers(&h->cinfo, JPEG_APP0 + 1, 0xFFFF); // EXIF
    jpeg_save_markers(&h->cinfo, JPEG_APP0 + 2, 0xFFFF); // ICC_PROFILE
    jpeg_save_markers(&h->cinfo, JPEG_COM, 0xFFFF);
    jpeg_read_header(&h->cinfo, TRUE);
    JOCTET* icc = nullptr;
    unsigned iccLength = 0;
    if (jpeg_read_icc_profile(&h->cinfo, &icc, &iccLength)) {
        h->icc = icc;
        h->iccLength = iccLength;
    }
    switch (h->cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: h->cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: h->cinfo.out_color_space = JCS_CMYK; break;
    default: h->cinfo.out_color_space = JCS_RGB; break;
    }
    return true;
}

bool readJpegPixelsStage(JpegReadHandle* h, std::uint8_t* buffer, std::size_t rowBytes)
{
    if (setjmp(h->err.jump)) {
        return false;
    }
    jpeg_start_decompress(&h->cinfo);
    if (std::size_t(h->cinfo.output_width) * std::size_t(h->cinfo.output_components) != rowBytes) {
        std::snprintf(h->err.message, sizeof(h->err.message), "unexpected decoder output layout");
        return false;
    }
    while (h->cinfo.output_scanline < h->cinfo.output_height) {
        JSAMPROW row = buffer + std::size_t(h->cinfo.output_scanline) * rowBytes;
        jpeg_read_scanlines(&h->cinfo, &row, 1);
    }
    jpeg_finish_decompress(&h->cinfo);
    return true;
}

// The frame of a header just read, checked against the limits and against `dataBytes`, the bytes
// that carry it, before jpeg_start_decompress() allocates anything (a progressive file makes
// libjpeg buffer 2 bytes per sample for the whole image). Huffman-coded data spends at least one
// bit on every 8x8 block of the full-resolution component (its DC difference code: two codes per
// block in sequential files, the first DC scan in progressive ones), so a JPEG holds at most 512
// pixels per byte; a flat 4:2:0 baseline image reaches about 170. Arithmetic coding (SOF9..11)
// can go below a bit per block, so for it we accept up to 2^16 pixels per byte.
Status checkJpegFrame(const jpeg_decompress_struct& cinfo,
                      std::uint64_t dataBytes,
                      const ImageLimits& limits,
                      const std::string& where)
{
    const std::int64_t width = cinfo.image_width;
    const std::int64_t height = cinfo.image_height;
    if (auto ok = checkImageSize(width, height, limits, where); !ok) {
        return ok;
    }
    const std::uint64_t blocks = ceilDiv(std::uint64_t(width), 8) * ceilDiv(std::uint64_t(height), 8);
    const std::uint64_t needed = cinfo.arith_code
                                     ? ceilDiv(std::uint64_t(width) * std::uint64_t(height), 1u << 16)
                                     : ceilDiv(blocks, 8);
    if (dataBytes < needed) {
        return tl::unexpected(claimExceedsFile(
            "JPEG",
            width,
            height,
            dataBytes,
            needed,
            cinfo.arith_code
                ? std::string("at the densest arithmetic coding accepted (65536 pixels per byte)")
                : "at one bit per 8x8 block (" + std::to_string(blocks) + " blocks)",
            where));
    }
    return {};
}

// EXIF orientation (tag 0x0112 in IFD0) from an APP1 "Exif\0\0" payload; 1 when absent.
int exifOrientation(const std::uint8_t* data, std::size_t size)
{
    if (size < 14 || std::memcmp(data, "Exif\0\0", 6) != 0) {
        return 1;
    }
    const std::uint8_t* tiff = data + 6;
    const std::size_t n = size - 6;
    const bool little = tiff[0] == 'I' && tiff[1] == 'I';
    if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) {
        return 1;
    }
    auto u16 = [&](std::size_t at) -> unsigned {
        return little ? unsigned(tiff[at] | (tiff[at + 1] << 8)) : unsigned((tiff[at] << 8) | tiff[at + 1]);
    };
    auto u32 = [&](std::size_t at) -> std::size_t {
        return little ? (std::size_t(u16(at + 2)) << 16) | u16(at)
                      : (std::size_t(u16(at)) << 16) | u16(at + 2);
    };
    const std::size_t ifd = u32(4);
    if (ifd + 2 > n) {
        return 1;
    }
    const unsigned entries = u16(ifd);
    for (unsigned i = 0; i < entries; ++i) {
        const std::size_t e = ifd + 2 + std::size_t(i) * 12;
        if (e + 12 > n) {
            break;
        }
        if (u16(e) == 0x0112) {
            const unsigned value = u16(e + 8);
            return value >= 1 && value <= 8 ? int(value) : 1;
        }
    }
    return 1;
}

struct JpegCompressHandle {
    jpeg_compress_struct cinfo{};
    JpegErrorManager err{};
    std::FILE* file = nullptr;
    unsigned char* memory = nullptr; // in-memory destination when file is null (malloc'ed by libjpeg)
    unsigned long memorySize = 0;
    bool created = false;

    JpegCompressHandle() = default;
    JpegCompressHandle(const JpegCompressHandle&) = delete;
    JpegCompressHandle& operator=(const JpegCompressHandle&) = delete;
    ~JpegCompressHandle()
    {
        if (created) {
            jpeg_destroy_compress(&cinfo);
        }
        std::free(memory);
        if (file) {
            std::fclose(file);
        }
    }
};

struct JpegWriteJob {
    int width = 0, height = 0, quality = 92;
    const std::uint8_t* rgb = nullptr; // interleaved RGB, 8-bit
    const std::uint8_t* icc = nullptr;
    unsigned iccLength = 0;
    const char* comment = nullptr;
    unsigned commentLength = 0;
    int components = 3;                               // 3 = RGB, 1 = greyscale
    const std::vector<JpegMarker>* markers = nullptr; // extra APPn segments after the ICC profile
    bool rgbWithoutYcc = false;                       // store R, G, B (Adobe marker) instead of YCbCr
};

bool writeJpegStage(JpegCompressHandle* h, const JpegWriteJob* job)
{
    if (setjmp(h->err.jump)) {
        return false;
    }
    jpeg_create_compress(&h->cinfo);
    h->created = true;
    if (h->file) {
        jpeg_stdio_dest(&h->cinfo, h->file);
    } else {
        jpeg_mem_dest(&h->cinfo, &h->memory, &h->memorySize);
    }
    h->cinfo.image_width = JDIMENSION(job->width);
    h->cinfo.image_height = JDIMENSION(job->height);
    h->cinfo.input_components = job->components;
    h->cinfo.in_color_space = job->components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&h->cinfo);
    jpeg_set_quality(&h->cinfo, job->quality, TRUE);
    h->cinfo.optimize_coding = TRUE;
    if (job->rgbWithoutYcc && job->components == 3) {
        jpeg_set_colorspace(&h->cinfo, JCS_RGB);
    }
    if (job->quality >= 90) {
        // At high quality chroma subsampling is the largest remaining loss; keep full chroma.
        for (int c = 0; c < h->cinfo.num_components; ++c) {
            h->cinfo.comp_info[c].h_samp_factor = 1;
            h->cinfo.comp_info[c].v_samp_factor = 1;
        }
    }
    jpeg_start_compress(&h->cinfo, TRUE);
    if (job->icc) {
        jpeg_write_icc_profile(&h->cinfo, job->icc, job->iccLength);
    }
    if (job->comment) {
        jpeg_write_marker(
            &h->cinfo, JPEG_COM, reinterpret_cast<const JOCTET*>(job->comment), job->commentLength);
    }
    for (std::size_t i = 0; job->markers && i < job->markers->size(); ++i) {
        const JpegMarker& m = (*job->markers)[i];
        jpeg_write_marker(&h->cinfo, m.marker, m.payload.data(), unsigned(m.payload.size()));
    }
    const std::size_t rowBytes = std::size_t(job->width) * std::size_t(job->components);
    while (h->cinfo.next_scanline < h->cinfo.image_height) {
        JSAMPROW row = const_cast<JSAMPROW>(job->rgb + std::size_t(h->cinfo.next_scanline) * rowBytes);
        jpeg_write_scanlines(&h->cinfo, &row, 1);
    }
    jpeg_finish_compress(&h->cinfo);
    return true;
}

} // namespace

Result<ImageF> readJpeg(const fs::path& path, const ReadOptions& options)
{
    const std::string where = path.string();
    JpegReadHandle h;
    installErrorManager(h.err);
    h.cinfo.err = &h.err.base;
    h.file = std::fopen(path.c_str(), "rb");
    if (!h.file) {
        return fail(ErrorCode::IoError, "cannot open the JPEG file for reading", where);
    }
    if (!readJpegHeaderStage(&h)) {
        return fail(
            ErrorCode::CorruptData, std::string("damaged or unsupported JPEG: ") + h.err.message, where);
    }
    // Sizes from the header, checked before jpeg_start_decompress() allocates anything.
    const int width = int(h.cinfo.image_width);
    const int height = int(h.cinfo.image_height);
    const int components = h.cinfo.out_color_space == JCS_GRAYSCALE ? 1
                           : h.cinfo.out_color_space == JCS_CMYK    ? 4
                                                                    : 3;
    if (auto ok = checkJpegFrame(h.cinfo, fileSizeOf(h.file), options.limits, where); !ok) {
        return tl::unexpected(ok.error());
    }
    if (components != 1 && components != 3 && components != 4) {
        return fail(ErrorCode::UnsupportedFormat, "unsupported JPEG colour layout", where);
    }
    // Saved markers live in libjpeg's image pool, which jpeg_finish_decompress() frees: read
    // them now.
    int orientation = 1;
    std::map<std::string, std::string> attributes;
    for (jpeg_saved_marker_ptr m = h.cinfo.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && orientation == 1) {
            orientation = exifOrientation(m->data, m->data_length);
        } else if (m->marker == JPEG_COM && m->data_length > 0) {
            attributes["comment"] =
                latin1ToUtf8(std::string(reinterpret_cast<const char*>(m->data), m->data_length));
        }
    }
    const std::size_t rowBytes = std::size_t(width) * std::size_t(components);
    std::vector<std::uint8_t> buffer(rowBytes * std::size_t(height));
    if (!readJpegPixelsStage(&h, buffer.data(), rowBytes)) {
        return fail(
            ErrorCode::CorruptData, std::string("damaged or truncated JPEG data: ") + h.err.message, where);
    }
    if (h.err.truncated) {
        return fail(ErrorCode::CorruptData, "the JPEG file is truncated (image data ends early)", where);
    }

    DisplayImage8 display;
    display.width = width;
    display.height = height;
    display.channels = 3;
    display.metadata.attributes = std::move(attributes);
    display.metadata.sourceFormat = "JPEG";
    display.metadata.sourcePixelType = "uint8";
    display.metadata.sourceCompression = h.cinfo.progressive_mode ? "progressive DCT" : "baseline DCT";
    display.metadata.sourceChannels = components == 1   ? std::vector<std::string>{"Y"}
                                      : components == 4 ? std::vector<std::string>{"C", "M", "Y", "K"}
                                                        : std::vector<std::string>{"R", "G", "B"};
    display.pixels.resize(std::size_t(width) * std::size_t(height) * 3);
    if (components == 4) {
        // Naive CMYK -> RGB (no CMYK profile is applied). Adobe writes inverted CMYK.
        const bool inverted = h.cinfo.saw_Adobe_marker;
        for (std::size_t i = 0, n = std::size_t(width) * std::size_t(height); i < n; ++i) {
            const std::uint8_t* s = buffer.data() + i * 4;
            const unsigned k = inverted ? s[3] : 255u - s[3];
            for (int c = 0; c < 3; ++c) {
                const unsigned v = inverted ? s[c] : 255u - s[c];
                display.pixels[i * 3 + std::size_t(c)] = std::uint8_t((v * k + 127) / 255);
            }
        }
    } else {
        for (int y = 0; y < height; ++y) {
            expandRowToRgb(
                buffer.data() + std::size_t(y) * rowBytes, components, components, display.row(y), width);
        }
        if (h.icc && h.iccLength > 0) {
            display.metadata.iccProfile.assign(h.icc, h.icc + h.iccLength);
        }
    }
    try {
        Result<ImageF> linear = linearizeDecoded(std::move(display), options);
        if (linear && orientation != 1) {
            *linear = applyOrientation(std::move(*linear), orientation);
        }
        return linear;
    } catch (...) {
        return tl::unexpected(errorFromCurrentException(ErrorCode::Internal, where));
    }
}

Status writeJpegDisplay(const DisplayImage16& image, const fs::path& path, const WriteOptions& options)
{
    const std::string where = path.string();
    if (options.sampleType && *options.sampleType != SampleType::U8) {
        return fail(ErrorCode::InvalidArgument, "JPEG files are 8-bit; use PNG or TIFF for 16-bit", where);
    }
    if (options.jpegQuality < 1 || options.jpegQuality > 100) {
        return fail(ErrorCode::InvalidArgument,
                    "JPEG quality must be between 1 and 100, not " + std::to_string(options.jpegQuality),
                    where);
    }
    if (image.width <= 0 || image.height <= 0 || (image.channels != 3 && image.channels != 4) ||
        image.pixels.size() !=
            std::size_t(image.width) * std::size_t(image.height) * std::size_t(image.channels)) {
        return fail(ErrorCode::InvalidArgument, "nothing to write: the image is empty or malformed", where);
    }
    if (image.width > 65500 || image.height > 65500) {
        return fail(ErrorCode::InvalidArgument, "JPEG files are at most 65500 pixels on a side", where);
    }
    // 16 -> 8 bits; alpha is dropped (JPEG has none).
    const std::vector<std::uint8_t> all8 = quantizeTo8(image.pixels);
    std::vector<std::uint8_t> rgb;
    if (image.channels == 4) {
        rgb.resize(std::size_t(image.width) * std::size_t(image.height) * 3);
        for (std::size_t i = 0, n = rgb.size() / 3; i < n; ++i) {
            std::memcpy(&rgb[i * 3], &all8[i * 4], 3);
        }
    }
    const std::vector<std::uint8_t> icc = iccProfileFor(image, options);
    const std::map<std::string, std::string> attributes = mergedAttributes(image.metadata, options);
    const auto comment = attributes.find("comment");

    JpegWriteJob job;
    job.width = image.width;
    job.height = image.height;
    job.quality = options.jpegQuality;
    job.rgb = image.channels == 4 ? rgb.data() : all8.data();
    if (!icc.empty()) {
        job.icc = icc.data();
        job.iccLength = unsigned(icc.size());
    }
    if (comment != attributes.end() && !comment->second.empty() && comment->second.size() < 65000) {
        job.comment = comment->second.c_str();
        job.commentLength = unsigned(comment->second.size());
    }

    auto out = AtomicOutputFile::create(path, options.overwrite);
    if (!out) {
        return tl::unexpected(out.error());
    }
    {
        JpegCompressHandle h;
        installErrorManager(h.err);
        h.cinfo.err = &h.err.base;
        h.file = std::fopen(out->tempPath().c_str(), "wb");
        if (!h.file) {
            return fail(ErrorCode::IoError, "cannot create the output file", where);
        }
        if (!writeJpegStage(&h, &job)) {
            return fail(ErrorCode::IoError, std::string("writing the JPEG failed: ") + h.err.message, where);
        }
        const bool flushed = std::fflush(h.file) == 0 && !std::ferror(h.file);
        const int closed = std::fclose(h.file);
        h.file = nullptr;
        if (!flushed || closed != 0) {
            return fail(ErrorCode::IoError, "writing the JPEG failed (disk full?)", where);
        }
    }
    return out->commit();
}

namespace {
// Reads the header of an in-memory JPEG into `h` and checks its frame (checkJpegFrame).
Status openJpegBytes(JpegReadHandle& h,
                     std::span<const std::uint8_t> bytes,
                     const ImageLimits& limits,
                     const std::string& where)
{
    installErrorManager(h.err);
    h.cinfo.err = &h.err.base;
    h.memory = bytes.data();
    h.memorySize = bytes.size();
    if (bytes.empty() || !readJpegHeaderStage(&h)) {
        return fail(
            ErrorCode::CorruptData, std::string("damaged or unsupported JPEG: ") + h.err.message, where);
    }
    return checkJpegFrame(h.cinfo, bytes.size(), limits, where);
}

int componentsOf(const jpeg_decompress_struct& cinfo)
{
    return cinfo.out_color_space == JCS_GRAYSCALE ? 1 : cinfo.out_color_space == JCS_RGB ? 3 : 4;
}
} // namespace

Result<JpegFrameInfo>
inspectJpegBytes(std::span<const std::uint8_t> bytes, const ImageLimits& limits, const std::string& where)
{
    JpegReadHandle h;
    if (auto ok = openJpegBytes(h, bytes, limits, where); !ok) {
        return tl::unexpected(ok.error());
    }
    return JpegFrameInfo{int(h.cinfo.image_width), int(h.cinfo.image_height), componentsOf(h.cinfo)};
}

Result<DecodedJpeg8>
decodeJpegBytes(std::span<const std::uint8_t> bytes, const ImageLimits& limits, const std::string& where)
{
    JpegReadHandle h;
    if (auto ok = openJpegBytes(h, bytes, limits, where); !ok) {
        return tl::unexpected(ok.error());
    }
    DecodedJpeg8 out;
    out.width = int(h.cinfo.image_width);
    out.height = int(h.cinfo.image_height);
    out.components = componentsOf(h.cinfo);
    if (out.components == 4) {
        return fail(ErrorCode::UnsupportedFormat, "CMYK JPEGs cannot carry a gain map", where);
    }
    for (jpeg_saved_marker_ptr m = h.cinfo.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && out.orientation == 1) {
            out.orientation = exifOrientation(m->data, m->data_length);
        }
    }
    const std::size_t rowBytes = std::size_t(out.width) * std::size_t(out.components);
    out.samples.resize(rowBytes * std::size_t(out.height));
    if (!readJpegPixelsStage(&h, out.samples.data(), rowBytes)) {
        return fail(
            ErrorCode::CorruptData, std::string("damaged or truncated JPEG data: ") + h.err.message, where);
    }
    if (h.err.truncated) {
        return fail(ErrorCode::CorruptData, "the JPEG data is truncated (image data ends early)", where);
    }
    if (h.icc && h.iccLength > 0) {
        out.icc.assign(h.icc, h.icc + h.iccLength);
    }
    return out;
}

Result<std::vector<std::uint8_t>> encodeJpegBytes(const std::uint8_t* samples,
                                                  int width,
                                                  int height,
                                                  int components,
                                                  int quality,
                                                  const std::vector<std::uint8_t>& icc,
                                                  const std::vector<JpegMarker>& markers,
                                                  bool rgbWithoutYcc)
{
    if (width <= 0 || height <= 0 || width > 65500 || height > 65500 ||
        (components != 1 && components != 3)) {
        return fail(ErrorCode::InvalidArgument, "JPEG images are 1..65500 pixels on a side, grey or RGB");
    }
    if (quality < 1 || quality > 100) {
        return fail(ErrorCode::InvalidArgument,
                    "JPEG quality must be between 1 and 100, not " + std::to_string(quality));
    }
    for (const JpegMarker& m : markers) {
        if (m.payload.size() > 65533) {
            return fail(ErrorCode::InvalidArgument, "a JPEG marker segment holds at most 65533 bytes");
        }
    }
    JpegWriteJob job;
    job.width = width;
    job.height = height;
    job.quality = quality;
    job.rgb = samples;
    job.components = components;
    job.markers = &markers;
    job.rgbWithoutYcc = rgbWithoutYcc;
    if (!icc.empty()) {
        job.icc = icc.data();
        job.iccLength = unsigned(icc.size());
    }
    JpegCompressHandle h;
    installErrorManager(h.err);
    h.cinfo.err = &h.err.base;
    if (!writeJpegStage(&h, &job)) {
        return fail(ErrorCode::Internal, std::string("JPEG compression failed: ") + h.err.message);
    }
    return std::vector<std::uint8_t>(h.memory, h.memory + h.memorySize);
}

} // namespace hdr::core
