// OpenEXR reading: inspectExr() and readExr(), on the OpenEXR 3.1 C++ library.
//
// Decisions callers rely on:
// * Geometry: the image is the part's DATA window (what the file actually stores). Both windows
//   are recorded in metadata.attributes as "exr:dataWindow" and "exr:displayWindow"
//   ("xMin yMin xMax yMax", inclusive pixel coordinates), so a caller that needs the display
//   framing can place the pixels itself; nothing is cropped or padded here.
// * Values pass through exactly as stored (half -> float is exact; uint -> float as OpenEXR
//   converts). EXR stores colour premultiplied by alpha; we do NOT un-premultiply, so a
//   read/write round trip is bit-exact and the OpenEXR test-suite checksums hold.
// * Colour space: the `chromaticities` attribute maps to LinearColorSpace::fromChromaticities
//   (absent: Rec.709, the EXR default). XYZ files (R,G,B = X,Y,Z) come out as Primaries::XYZ with
//   the stored values untouched; conversion to display primaries happens downstream like any
//   other colour space.
// * Channel choice: options.layer "" means the unprefixed R,G,B[,A]; when the part has none, the
//   first layer that has colour channels ("beauty.R", ...). Y alone gives grey RGB, Y+RY/BY goes
//   through RgbaInputFile (which reconstructs RGB from subsampled chroma). A single one of R/G/B
//   gives grey; two of them leave the missing one 0. A part or layer without any colour channel
//   (depth, masks, motion vectors) shows its first channel as grey, so every part is viewable.
// * Tiled parts: level 0 (full resolution) of a mipmap/ripmap. Deep parts are refused.
// * Attributes: string attributes keep their own names; every other attribute becomes
//   "exr:<name>" with a short textual value (for `info`). Writers skip "exr:" keys.

#include "common/Parallel.h"
#include "io/ExrHeaderScan.h"
#include "io/FormatReaders.h"
#include "io/ReadBounds.h"

#include <Iex.h>
#include <ImfBoxAttribute.h>
#include <ImfChannelList.h>
#include <ImfChromaticitiesAttribute.h>
#include <ImfCompressionAttribute.h>
#include <ImfDoubleAttribute.h>
#include <ImfFloatAttribute.h>
#include <ImfFrameBuffer.h>
#include <ImfHeader.h>
#include <ImfIO.h>
#include <ImfInputPart.h>
#include <ImfIntAttribute.h>
#include <ImfLineOrderAttribute.h>
#include <ImfMultiPartInputFile.h>
#include <ImfPartType.h>
#include <ImfRationalAttribute.h>
#include <ImfRgbaFile.h>
#include <ImfStandardAttributes.h>
#include <ImfStdIO.h>
#include <ImfStringAttribute.h>
#include <ImfStringVectorAttribute.h>
#include <ImfTestFile.h>
#include <ImfThreading.h>
#include <ImfTileDescriptionAttribute.h>
#include <ImfTiledInputPart.h>
#include <ImfVecAttribute.h>
#include <ImfVersion.h>
#include <ImfXdr.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <set>
#include <sstream>

namespace hdr::core {
namespace {

void ensureExrThreads()
{
    static std::once_flag once;
    std::call_once(once, [] { Imf::setGlobalThreadCount(std::max(1, workerThreadCount())); });
}

const char* compressionName(Imf::Compression c)
{
    switch (c) {
    case Imf::NO_COMPRESSION: return "none";
    case Imf::RLE_COMPRESSION: return "RLE";
    case Imf::ZIPS_COMPRESSION: return "ZIPS";
    case Imf::ZIP_COMPRESSION: return "ZIP";
    case Imf::PIZ_COMPRESSION: return "PIZ";
    case Imf::PXR24_COMPRESSION: return "PXR24";
    case Imf::B44_COMPRESSION: return "B44";
    case Imf::B44A_COMPRESSION: return "B44A";
    case Imf::DWAA_COMPRESSION: return "DWAA";
    case Imf::DWAB_COMPRESSION: return "DWAB";
    default: return "unknown";
    }
}

const char* pixelTypeName(Imf::PixelType t)
{
    switch (t) {
    case Imf::HALF: return "half";
    case Imf::FLOAT: return "float";
    case Imf::UINT: return "uint";
    default: return "unknown";
    }
}

std::string boxText(const Imath::Box2i& b)
{
    return std::to_string(b.min.x) + " " + std::to_string(b.min.y) + " " + std::to_string(b.max.x) + " " +
           std::to_string(b.max.y);
}

// Short human-readable form of an attribute value for `info`; unknown types show their type name.
std::string attributeText(const Imf::Attribute& attr)
{
    std::ostringstream out;
    if (auto* s = dynamic_cast<const Imf::StringAttribute*>(&attr)) {
        return s->value();
    } else if (auto* i = dynamic_cast<const Imf::IntAttribute*>(&attr)) {
        out << i->value();
    } else if (auto* f = dynamic_cast<const Imf::FloatAttribute*>(&attr)) {
        out << f->value();
    } else if (auto* d = dynamic_cast<const Imf::DoubleAttribute*>(&attr)) {
        out << d->value();
    } else if (auto* v2i = dynamic_cast<const Imf::V2iAttribute*>(&attr)) {
        out << v2i->value().x << " " << v2i->value().y;
    } else if (auto* v2f = dynamic_cast<const Imf::V2fAttribute*>(&attr)) {
        out << v2f->value().x << " " << v2f->value().y;
    } else if (auto* v3f = dynamic_cast<const Imf::V3fAttribute*>(&attr)) {
        out << v3f->value().x << " " << v3f->value().y << " " << v3f->value().z;
    } else if (auto* b = dynamic_cast<const Imf::Box2iAttribute*>(&attr)) {
        return boxText(b->value());
    } else if (auto* c = dynamic_cast<const Imf::ChromaticitiesAttribute*>(&attr)) {
        const Imf::Chromaticities& v = c->value();
        out << "red " << v.red.x << " " << v.red.y << ", green " << v.green.x << " " << v.green.y << ", blue "
            << v.blue.x << " " << v.blue.y << ", white " << v.white.x << " " << v.white.y;
    } else if (auto* comp = dynamic_cast<const Imf::CompressionAttribute*>(&attr)) {
        return compressionName(comp->value());
    } else if (auto* lo = dynamic_cast<const Imf::LineOrderAttribute*>(&attr)) {
        return lo->value() == Imf::DECREASING_Y ? "decreasing"
               : lo->value() == Imf::RANDOM_Y   ? "random"
                                                : "increasing";
    } else if (auto* sv = dynamic_cast<const Imf::StringVectorAttribute*>(&attr)) {
        for (std::size_t k = 0; k < sv->value().size(); ++k) {
            out << (k ? ", " : "") << sv->value()[k];
        }
    } else if (auto* r = dynamic_cast<const Imf::RationalAttribute*>(&attr)) {
        out << r->value().n << "/" << r->value().d;
    } else if (auto* t = dynamic_cast<const Imf::TileDescriptionAttribute*>(&attr)) {
        const Imf::TileDescription& td = t->value();
        out << td.xSize << "x" << td.ySize << " "
            << (td.mode == Imf::MIPMAP_LEVELS   ? "mipmap"
                : td.mode == Imf::RIPMAP_LEVELS ? "ripmap"
                                                : "one level");
    } else {
        out << "(" << attr.typeName() << ")";
    }
    return out.str();
}

struct ChannelName {
    std::string layer; // everything before the last '.', "" for top-level channels
    std::string base;  // "R", "G", "Y", "mask", ...
};

ChannelName splitChannelName(const std::string& name)
{
    const auto dot = name.rfind('.');
    if (dot == std::string::npos) {
        return {"", name};
    }
    return {name.substr(0, dot), name.substr(dot + 1)};
}

bool isColourBase(const std::string& base)
{
    return base == "R" || base == "G" || base == "B" || base == "Y";
}

// Layers with colour channels, the top level ("") first, the rest in channel-list order.
std::vector<std::string> colourLayers(const Imf::ChannelList& channels)
{
    std::vector<std::string> layers;
    for (auto it = channels.begin(); it != channels.end(); ++it) {
        const ChannelName n = splitChannelName(it.name());
        if (isColourBase(n.base) && std::find(layers.begin(), layers.end(), n.layer) == layers.end()) {
            layers.push_back(n.layer);
        }
    }
    std::stable_partition(layers.begin(), layers.end(), [](const std::string& l) { return l.empty(); });
    return layers;
}

bool isDeepPart(const Imf::Header& header)
{
    return header.hasType() && Imf::isDeepData(header.type());
}

bool isTiledPart(const Imf::Header& header)
{
    return header.hasType() ? Imf::isTiled(header.type()) : header.hasTileDescription();
}

// Which file channel feeds each output channel.
struct ChannelPlan {
    int part = 0;
    std::string layer;
    std::array<std::string, 4> source; // R, G, B, A file channel names ("" = not in the file)
    int outChannels = 3;
    bool grey = false;       // one source channel, replicated into R, G, B
    bool lumaChroma = false; // Y + RY/BY: decoded through RgbaInputFile
};

std::string layerChannel(const std::string& layer, const char* base)
{
    return layer.empty() ? std::string(base) : layer + "." + base;
}

std::string joinNames(const std::vector<std::string>& names)
{
    std::string s;
    for (const auto& n : names) {
        s += (s.empty() ? "" : ", ") + (n.empty() ? std::string("(top level)") : n);
    }
    return s;
}

ChannelPlan
planChannels(const Imf::Header& header, int part, const std::string& requestedLayer, const std::string& where)
{
    const Imf::ChannelList& channels = header.channels();
    const std::vector<std::string> layers = colourLayers(channels);
    ChannelPlan plan;
    plan.part = part;

    std::string layer = requestedLayer;
    if (requestedLayer.empty() && !layers.empty()) {
        layer = layers.front();
    }
    auto has = [&](const std::string& n) { return channels.findChannel(n) != nullptr; };

    const bool colourLayer = std::find(layers.begin(), layers.end(), layer) != layers.end();
    if (!colourLayer) {
        // No colour channels in this layer: show its first channel as grey (depth, masks, ...).
        std::string first;
        for (auto it = channels.begin(); it != channels.end() && first.empty(); ++it) {
            if (requestedLayer.empty() || splitChannelName(it.name()).layer == requestedLayer) {
                first = it.name();
            }
        }
        if (first.empty()) {
            throwError(ErrorCode::InvalidArgument,
                       "EXR part " + std::to_string(part) + " has no layer '" + requestedLayer +
                           "'; layers with colour channels: " + (layers.empty() ? "none" : joinNames(layers)),
                       where);
        }
        plan.layer = splitChannelName(first).layer;
        plan.source[0] = first;
        plan.grey = true;
        return plan;
    }

    plan.layer = layer;
    const std::string r = layerChannel(layer, "R"), g = layerChannel(layer, "G"),
                      b = layerChannel(layer, "B");
    const std::string a = layerChannel(layer, "A"), y = layerChannel(layer, "Y");
    const int rgbCount = int(has(r)) + int(has(g)) + int(has(b));
    if (has(a)) {
        plan.source[3] = a;
        plan.outChannels = 4;
    }
    if (rgbCount == 0) {
        plan.source[0] = y;
        plan.grey = true;
        plan.lumaChroma = has(layerChannel(layer, "RY")) || has(layerChannel(layer, "BY"));
    } else if (rgbCount == 1) {
        plan.source[0] = has(r) ? r : has(g) ? g : b;
        plan.grey = true;
    } else {
        plan.source[0] = has(r) ? r : "";
        plan.source[1] = has(g) ? g : "";
        plan.source[2] = has(b) ? b : "";
    }
    return plan;
}

void fillMetadata(ImageF& image, const Imf::Header& header, const ChannelPlan& plan, int partCount)
{
    ImageMetadata& md = image.metadata;
    md.sourceFormat = "OpenEXR";
    md.sourceCompression = compressionName(header.compression());
    std::set<std::string> types;
    for (const auto& name : plan.source) {
        if (name.empty()) {
            continue;
        }
        md.sourceChannels.push_back(name);
        if (const Imf::Channel* c = header.channels().findChannel(name)) {
            types.insert(pixelTypeName(c->type));
        }
    }
    if (plan.lumaChroma) {
        for (const char* extra : {"RY", "BY"}) {
            if (header.channels().findChannel(layerChannel(plan.layer, extra))) {
                md.sourceChannels.push_back(layerChannel(plan.layer, extra));
            }
        }
    }
    for (const auto& t : types) {
        md.sourcePixelType += (md.sourcePixelType.empty() ? "" : "+") + t;
    }

    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string name = it.name();
        if (name == "channels") {
            continue; // listed in sourceChannels
        }
        const bool structural = name == "name" || name == "type" || name == "version" || name == "chunkCount";
        const bool isString = dynamic_cast<const Imf::StringAttribute*>(&it.attribute()) != nullptr;
        md.attributes[isString && !structural ? name : "exr:" + name] = attributeText(it.attribute());
    }
    md.attributes["exr:part"] = std::to_string(plan.part);
    md.attributes["exr:parts"] = std::to_string(partCount);
    md.attributes["exr:layer"] = plan.layer;
}

// Reads the planned channels of a flat part straight into the interleaved float buffer: one
// Slice per channel pointing at its offset in the image, so OpenEXR decodes (threaded) and
// converts half/uint -> float without any intermediate copy.
void readFlatPart(Imf::MultiPartInputFile& file,
                  const Imf::Header& header,
                  const ChannelPlan& plan,
                  ImageF& image)
{
    const Imath::Box2i& dw = header.dataWindow();
    const std::size_t xStride = sizeof(float) * std::size_t(image.channels());
    const std::size_t yStride = xStride * std::size_t(image.width());
    Imf::FrameBuffer frameBuffer;
    for (int c = 0; c < 4; ++c) {
        if (plan.source[c].empty()) {
            continue;
        }
        const Imf::Channel* channel = header.channels().findChannel(plan.source[c]);
        if (channel->xSampling != 1 || channel->ySampling != 1) {
            throwError(ErrorCode::UnsupportedFormat,
                       "EXR channel '" + plan.source[c] +
                           "' is subsampled; only full-resolution channels "
                           "(or luminance/chroma Y, RY, BY) can be read");
        }
        frameBuffer.insert(plan.source[c],
                           Imf::Slice::Make(Imf::FLOAT, image.data() + c, dw, xStride, yStride));
    }
    if (isTiledPart(header)) {
        Imf::TiledInputPart part(file, plan.part);
        part.setFrameBuffer(frameBuffer);
        part.readTiles(0, part.numXTiles(0) - 1, 0, part.numYTiles(0) - 1, 0, 0);
    } else {
        Imf::InputPart part(file, plan.part);
        part.setFrameBuffer(frameBuffer);
        part.readPixels(dw.min.y, dw.max.y);
    }
}

// Luminance/chroma (Y, RY, BY with subsampled chroma): RgbaInputFile reconstructs RGB with the
// file's own chromaticities. It decodes into half Rgba, so we go through strips of rows.
void readLumaChroma(const std::filesystem::path& path, const ChannelPlan& plan, ImageF& image)
{
    Imf::RgbaInputFile in(path.c_str(), plan.layer);
    const Imath::Box2i dw = in.dataWindow();
    const int width = image.width();
    const int channels = image.channels();
    constexpr int stripRows = 64;
    std::vector<Imf::Rgba> strip(std::size_t(width) * stripRows);
    for (int y0 = dw.min.y; y0 <= dw.max.y; y0 += stripRows) {
        const int y1 = std::min(dw.max.y, y0 + stripRows - 1);
        // Base address such that pixel (dw.min.x, y0) lands on strip[0]; computed in integers
        // because the pointer itself may lie outside the buffer.
        const auto origin = std::intptr_t(dw.min.x) + std::intptr_t(y0) * width;
        in.setFrameBuffer(reinterpret_cast<Imf::Rgba*>(reinterpret_cast<std::uintptr_t>(strip.data()) -
                                                       std::uintptr_t(origin) * sizeof(Imf::Rgba)),
                          1,
                          std::size_t(width));
        in.readPixels(y0, y1);
        for (int y = y0; y <= y1; ++y) {
            const Imf::Rgba* src = strip.data() + std::size_t(y - y0) * width;
            float* dst = image.row(y - dw.min.y);
            for (int x = 0; x < width; ++x, dst += channels) {
                dst[0] = src[x].r;
                dst[1] = src[x].g;
                dst[2] = src[x].b;
                if (channels == 4) {
                    dst[3] = src[x].a;
                }
            }
        }
    }
}

ImageF readPart(const std::filesystem::path& path, Imf::MultiPartInputFile& file, const ReadOptions& options)
{
    const std::string where = path.string();
    const int partCount = file.parts();
    int part = options.part;
    if (part >= partCount || part < -1) {
        throwError(ErrorCode::InvalidArgument,
                   "EXR part " + std::to_string(part) + " does not exist; the file has " +
                       std::to_string(partCount) + (partCount == 1 ? " part" : " parts") +
                       " (numbered from 0)",
                   where);
    }
    if (part < 0) {
        part = 0;
        for (int p = 0; p < partCount; ++p) {
            if (!isDeepPart(file.header(p)) && !colourLayers(file.header(p).channels()).empty()) {
                part = p;
                break;
            }
        }
    }
    const Imf::Header& header = file.header(part);
    if (isDeepPart(header)) {
        throwError(
            ErrorCode::UnsupportedFormat,
            "EXR part " + std::to_string(part) +
                " holds deep data (a variable number of samples per "
                "pixel), which cannot be read as a flat image; flatten it first (e.g. with a compositor)",
            where);
    }
    const ChannelPlan plan = planChannels(header, part, options.layer, where);
    if (plan.lumaChroma && part != 0) {
        throwError(
            ErrorCode::UnsupportedFormat,
            "luminance/chroma (Y, RY, BY) channels are only supported in the first part of an EXR file",
            where);
    }

    const Imath::Box2i& dw = header.dataWindow();
    const std::int64_t width = std::int64_t(dw.max.x) - dw.min.x + 1;
    const std::int64_t height = std::int64_t(dw.max.y) - dw.min.y + 1;
    if (auto ok = checkImageSize(width, height, options.limits, where); !ok) {
        throw HdrError(ok.error());
    }
    LinearColorSpace colorSpace;
    if (Imf::hasChromaticities(header)) {
        const Imf::Chromaticities& c = Imf::chromaticities(header);
        colorSpace = LinearColorSpace::fromChromaticities(
            {c.red.x, c.red.y, c.green.x, c.green.y, c.blue.x, c.blue.y, c.white.x, c.white.y});
    }
    auto allocated = ImageF::allocate(int(width), int(height), plan.outChannels, options.limits, colorSpace);
    if (!allocated) {
        throw HdrError(allocated.error());
    }
    ImageF image = std::move(*allocated);

    if (plan.lumaChroma) {
        readLumaChroma(path, plan, image);
    } else {
        readFlatPart(file, header, plan, image);
        if (plan.grey) {
            const int channels = image.channels();
            parallelFor(std::size_t(image.height()), 64, [&](std::size_t begin, std::size_t end) {
                for (std::size_t y = begin; y < end; ++y) {
                    float* p = image.row(int(y));
                    for (int x = 0; x < image.width(); ++x, p += channels) {
                        p[1] = p[2] = p[0];
                    }
                }
            });
        }
    }
    fillMetadata(image, header, plan, partCount);
    image.metadata.attributes["exr:dataWindow"] = boxText(header.dataWindow());
    image.metadata.attributes["exr:displayWindow"] = boxText(header.displayWindow());
    return image;
}

// Maps any exception from OpenEXR or from us to an Error naming the file.
Error exrError(const std::string& where)
{
    try {
        throw;
    } catch (const HdrError&) {
        return errorFromCurrentException(ErrorCode::Internal, where);
    } catch (const Iex::ErrnoExc& e) {
        return Error{ErrorCode::IoError, std::string("cannot read the OpenEXR file: ") + e.what(), where};
    } catch (const std::bad_alloc&) {
        return errorFromCurrentException(ErrorCode::Internal, where);
    } catch (const std::exception& e) {
        return Error{
            ErrorCode::CorruptData, std::string("damaged or invalid OpenEXR file: ") + e.what(), where};
    } catch (...) {
        return errorFromCurrentException(ErrorCode::Internal, where);
    }
}

Status checkIsExr(const std::filesystem::path& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return fail(ErrorCode::IoError, "the file does not exist or is not a regular file", path.string());
    }
    if (!Imf::isOpenExrFile(path.c_str())) {
        return fail(
            ErrorCode::UnsupportedFormat, "not an OpenEXR file (no OpenEXR signature)", path.string());
    }
    return {};
}

// Scanlines per chunk and the best compression ratio each OpenEXR compression can reach, so
// that a data window can be checked against the file size before anything is allocated for it.
// The ratios are upper bounds on (uncompressed bytes) / (compressed bytes) of one chunk:
//   none 1; RLE 64 (a 2-byte code repeats a byte at most 128 times); ZIP/ZIPS 1032 (deflate: a
//   258-byte match in 2 bits at best); PIZ 512 (Huffman: a repeat code of >= 9 bits repeats a
//   16-bit value at most 255 times, ~453:1); PXR24 1376 (floats shortened to 24 bits, then
//   deflate: 1032 * 4/3); B44/B44A 11 (a 4x4 block of halves, 32 bytes, in 3 bytes at best);
//   DWAA/DWAB 2^17 (RLE then deflate of a channel, 64 * 1032, doubled because the codec stacks
//   several stages); anything else 2^17.
struct ExrCompressionBounds {
    int linesPerChunk;
    std::int64_t maxRatio;
};

ExrCompressionBounds boundsOf(Imf::Compression c)
{
    switch (c) {
    case Imf::NO_COMPRESSION: return {1, 1};
    case Imf::RLE_COMPRESSION: return {1, 64};
    case Imf::ZIPS_COMPRESSION: return {1, 1032};
    case Imf::ZIP_COMPRESSION: return {16, 1032};
    case Imf::PIZ_COMPRESSION: return {32, 512};
    case Imf::PXR24_COMPRESSION: return {16, 1376};
    case Imf::B44_COMPRESSION:
    case Imf::B44A_COMPRESSION: return {32, 11};
    case Imf::DWAA_COMPRESSION: return {32, std::int64_t(1) << 17};
    case Imf::DWAB_COMPRESSION: return {256, std::int64_t(1) << 17};
    default: return {1, std::int64_t(1) << 17};
    }
}

// Bytes of channel data a flat part's data window holds uncompressed (a lower bound: subsampled
// channels are rounded down).
std::int64_t uncompressedBytes(const Imf::Header& header, std::int64_t width, std::int64_t height)
{
    std::int64_t total = 0;
    for (auto it = header.channels().begin(); it != header.channels().end(); ++it) {
        const Imf::Channel& c = it.channel();
        const std::int64_t size = c.type == Imf::HALF ? 2 : 4;
        total += (width / std::max(1, c.xSampling)) * (height / std::max(1, c.ySampling)) * size;
        if (total > (std::int64_t(1) << 50)) {
            break; // far past any file; avoids overflow with absurd channel lists
        }
    }
    return total;
}

// A part's claims against the file size: its chunk offset table (8 bytes per chunk, which
// OpenEXR reads into memory when the file is opened) must fit in the file, and so must its pixels
// at the best ratio of its compression.
void checkPartAgainstFileSize(const Imf::Header& header,
                              std::int64_t width,
                              std::int64_t height,
                              std::int64_t chunks,
                              std::int64_t fileSize,
                              const std::string& where)
{
    const ExrCompressionBounds bounds = boundsOf(header.compression());
    if (chunks * 8 > fileSize) {
        throw HdrError(io_detail::claimExceedsFile("OpenEXR",
                                                   width,
                                                   height,
                                                   std::uint64_t(fileSize),
                                                   std::uint64_t(chunks * 8),
                                                   "stored in " + std::to_string(chunks) +
                                                       " chunks, its chunk table alone",
                                                   where));
    }
    if (isDeepPart(header)) {
        return; // the sample counts per pixel are in the data; deep parts are refused later anyway
    }
    const std::int64_t raw = uncompressedBytes(header, width, height);
    if (raw > bounds.maxRatio * fileSize) {
        throw HdrError(io_detail::claimExceedsFile(
            "OpenEXR",
            width,
            height,
            std::uint64_t(fileSize),
            std::uint64_t(io_detail::ceilDiv(std::uint64_t(raw), std::uint64_t(bounds.maxRatio))),
            "with " + std::to_string(raw) + " bytes of channel data at " +
                compressionName(header.compression()) + "'s best ratio (" + std::to_string(bounds.maxRatio) +
                ":1)",
            where));
    }
}

// Opening a file makes OpenEXR read every part's chunk offset table, sized from the header's data
// window and tiling, and reading a part allocates line or tile buffers from them. So the headers
// are read once on their own first and checked against our limits and the file size: a hostile
// header claiming 100000 x 100000 pixels is refused as LimitExceeded, one claiming more pixels
// than the file can hold as CorruptData, before the library (or we) allocate anything from it.
void checkHeaderLimits(const std::filesystem::path& path, const ImageLimits& limits)
{
    if (auto ok = scanExrHeaderSizes(path); !ok) {
        throw HdrError(ok.error());
    }
    std::error_code ec;
    const auto fileSize = std::int64_t(std::filesystem::file_size(path, ec));
    if (ec) {
        throwError(ErrorCode::IoError, "cannot open the file: " + ec.message(), path.string());
    }
    Imf::StdIFStream in(path.c_str());
    int magic = 0, version = 0;
    Imf::Xdr::read<Imf::StreamIO>(in, magic);
    Imf::Xdr::read<Imf::StreamIO>(in, version);
    if (magic != Imf::MAGIC) {
        throwError(ErrorCode::UnsupportedFormat, "not an OpenEXR file (no OpenEXR signature)", path.string());
    }
    const bool multiPart = Imf::isMultiPart(version);
    constexpr std::int64_t maxTiles = std::int64_t(1) << 24; // 128 MB of tile offsets
    for (int part = 0;; ++part) {
        Imf::Header header;
        header.readFrom(in, version);
        if (multiPart && header.readsNothing()) {
            break;
        }
        const Imath::Box2i& dw = header.dataWindow();
        const std::int64_t width = std::int64_t(dw.max.x) - dw.min.x + 1;
        const std::int64_t height = std::int64_t(dw.max.y) - dw.min.y + 1;
        const std::string where =
            path.string() + (multiPart ? ", part " + std::to_string(part) : std::string());
        if (auto ok = checkImageSize(width, height, limits, where); !ok) {
            throw HdrError(ok.error());
        }
        std::int64_t chunks = 0;
        if (header.hasType() && !Imf::isImage(header.type()) && !Imf::isDeepData(header.type())) {
            // A part type this library does not know: OpenEXR sizes its table from chunkCount.
            chunks = header.hasChunkCount() ? std::max(0, header.chunkCount()) : 0;
        } else if (isTiledPart(header)) {
            const Imf::TileDescription& tiles = header.tileDescription();
            if (tiles.xSize <= 0 || tiles.ySize <= 0) {
                throwError(ErrorCode::CorruptData, "EXR tile size is not valid", where);
            }
            chunks = (width + tiles.xSize - 1) / tiles.xSize * ((height + tiles.ySize - 1) / tiles.ySize);
            if (chunks > maxTiles) {
                throwError(ErrorCode::LimitExceeded,
                           "EXR part has more than " + std::to_string(maxTiles) +
                               " tiles; refusing to read it",
                           where);
            }
        } else {
            const int lines = boundsOf(header.compression()).linesPerChunk;
            chunks = (height + lines - 1) / lines;
        }
        checkPartAgainstFileSize(header, width, height, chunks, fileSize, where);
        if (!multiPart) {
            break;
        }
    }
}

} // namespace

Result<std::vector<ExrPartInfo>> inspectExr(const std::filesystem::path& path)
{
    if (auto ok = checkIsExr(path); !ok) {
        return tl::unexpected(ok.error());
    }
    try {
        ensureExrThreads();
        checkHeaderLimits(path, ImageLimits{});
        Imf::MultiPartInputFile file(path.c_str());
        std::vector<ExrPartInfo> parts;
        for (int p = 0; p < file.parts(); ++p) {
            const Imf::Header& header = file.header(p);
            ExrPartInfo info;
            info.index = p;
            info.name = header.hasName() ? header.name() : std::string();
            info.type = header.hasType()
                            ? header.type()
                            : (header.hasTileDescription() ? Imf::TILEDIMAGE : Imf::SCANLINEIMAGE);
            const Imath::Box2i& dw = header.dataWindow();
            const Imath::Box2i& disp = header.displayWindow();
            info.dataX = dw.min.x;
            info.dataY = dw.min.y;
            info.dataWidth = dw.max.x - dw.min.x + 1;
            info.dataHeight = dw.max.y - dw.min.y + 1;
            info.displayX = disp.min.x;
            info.displayY = disp.min.y;
            info.displayWidth = disp.max.x - disp.min.x + 1;
            info.displayHeight = disp.max.y - disp.min.y + 1;
            info.compression = compressionName(header.compression());
            for (auto it = header.channels().begin(); it != header.channels().end(); ++it) {
                info.channels.push_back(std::string(it.name()) + ":" + pixelTypeName(it.channel().type));
            }
            info.layers = colourLayers(header.channels());
            parts.push_back(std::move(info));
        }
        return parts;
    } catch (...) {
        return tl::unexpected(exrError(path.string()));
    }
}

Result<ImageF> readExr(const std::filesystem::path& path, const ReadOptions& options)
{
    if (auto ok = checkIsExr(path); !ok) {
        return tl::unexpected(ok.error());
    }
    try {
        ensureExrThreads();
        checkHeaderLimits(path, options.limits);
        Imf::MultiPartInputFile file(path.c_str());
        return readPart(path, file, options);
    } catch (...) {
        return tl::unexpected(exrError(path.string()));
    }
}

} // namespace hdr::core
