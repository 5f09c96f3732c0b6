#include "io/TiffSupport.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace hdr::core::io_detail {

namespace {

int onTiffError(TIFF*, void* userData, const char* module, const char* format, va_list args)
{
    auto* messages = static_cast<TiffMessages*>(userData);
    if (messages && messages->firstError.empty()) {
        char text[512];
        std::vsnprintf(text, sizeof(text), format, args);
        messages->firstError = module && *module ? std::string(module) + ": " + text : std::string(text);
    }
    return 1; // handled: do not pass it on to the global (stderr) handler
}

int onTiffWarning(TIFF*, void*, const char*, const char*, va_list)
{
    return 1; // unknown tags and similar are not worth the user's attention
}

void silenceGlobalHandlers()
{
    // A few libtiff code paths still report through the process-wide handlers, which print to
    // stderr by default. Everything we need arrives through the per-handle handlers above.
    static std::once_flag once;
    std::call_once(once, [] {
        TIFFSetErrorHandler(nullptr);
        TIFFSetWarningHandler(nullptr);
    });
}

bool isRealType(TIFFDataType type)
{
    return type == TIFF_RATIONAL || type == TIFF_SRATIONAL || type == TIFF_FLOAT || type == TIFF_DOUBLE;
}

bool isSignedType(TIFFDataType type)
{
    return type == TIFF_SBYTE || type == TIFF_SSHORT || type == TIFF_SLONG || type == TIFF_SLONG8;
}

double valueAt(const void* data, std::size_t i, int size, TIFFDataType type)
{
    if (isRealType(type)) {
        return size == 8 ? static_cast<const double*>(data)[i] : double(static_cast<const float*>(data)[i]);
    }
    const bool sign = isSignedType(type);
    switch (size) {
    case 1:
        return sign ? double(static_cast<const std::int8_t*>(data)[i])
                    : double(static_cast<const std::uint8_t*>(data)[i]);
    case 2:
        return sign ? double(static_cast<const std::int16_t*>(data)[i])
                    : double(static_cast<const std::uint16_t*>(data)[i]);
    case 4:
        return sign ? double(static_cast<const std::int32_t*>(data)[i])
                    : double(static_cast<const std::uint32_t*>(data)[i]);
    case 8:
        return sign ? double(static_cast<const std::int64_t*>(data)[i])
                    : double(static_cast<const std::uint64_t*>(data)[i]);
    default: return 0.0;
    }
}

} // namespace

void TiffCloser::operator()(TIFF* tif) const
{
    TIFFClose(tif);
}

TiffPtr openTiff(const std::filesystem::path& path, const char* mode, TiffMessages& messages)
{
    silenceGlobalHandlers();
    TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(options, onTiffError, &messages);
    TIFFOpenOptionsSetWarningHandlerExtR(options, onTiffWarning, &messages);
    // No single allocation inside libtiff (a strip, a tag array) may exceed 1 GiB, so a hostile
    // byte count cannot make it reserve absurd memory.
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, tmsize_t(1) << 30);
    TIFF* tif = TIFFOpenExt(path.c_str(), mode, options);
    TIFFOpenOptionsFree(options);
    return TiffPtr(tif);
}

Status finishTiffWrite(TiffPtr tif, TiffMessages& messages, const std::string& where)
{
    const bool flushed = TIFFFlush(tif.get()) == 1;
    tif.reset();
    if (!flushed || !messages.firstError.empty()) {
        return fail(ErrorCode::IoError,
                    "writing the TIFF failed: " +
                        (messages.firstError.empty() ? "disk full?" : messages.firstError),
                    where);
    }
    return {};
}

std::vector<double> getTagValues(TIFF* tif, std::uint32_t tag)
{
    const TIFFField* field = TIFFFieldWithTag(tif, tag);
    if (!field) {
        return {};
    }
    const TIFFDataType type = TIFFFieldDataType(field);
    const int size = TIFFFieldSetGetSize(field);
    void* data = nullptr;
    std::size_t count = 0;
    if (TIFFFieldPassCount(field)) {
        if (TIFFFieldSetGetCountSize(field) == 4) {
            std::uint32_t n = 0;
            if (!TIFFGetField(tif, tag, &n, &data)) {
                return {};
            }
            count = n;
        } else {
            std::uint16_t n = 0;
            if (!TIFFGetField(tif, tag, &n, &data)) {
                return {};
            }
            count = n;
        }
    } else if (TIFFFieldReadCount(field) == 1) {
        // Single values come by value, in their internal storage type.
        alignas(8) unsigned char value[8] = {};
        if (!TIFFGetField(tif, tag, value)) {
            return {};
        }
        return {valueAt(value, 0, size, type)};
    } else {
        if (TIFFFieldReadCount(field) <= 0 || !TIFFGetField(tif, tag, &data)) {
            return {};
        }
        count = std::size_t(TIFFFieldReadCount(field));
    }
    std::vector<double> values;
    if (data) {
        values.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            values.push_back(valueAt(data, i, size, type));
        }
    }
    return values;
}

bool setTagValues(TIFF* tif, std::uint32_t tag, const std::vector<double>& values)
{
    const TIFFField* field = TIFFFieldWithTag(tif, tag);
    if (!field || values.empty()) {
        return false;
    }
    const TIFFDataType type = TIFFFieldDataType(field);
    const int size = TIFFFieldSetGetSize(field);
    std::vector<unsigned char> storage(values.size() * std::size_t(size));
    for (std::size_t i = 0; i < values.size(); ++i) {
        unsigned char* at = storage.data() + i * std::size_t(size);
        if (isRealType(type)) {
            if (size == 8) {
                *reinterpret_cast<double*>(at) = values[i];
            } else {
                *reinterpret_cast<float*>(at) = float(values[i]);
            }
        } else if (size == 1) {
            *at = std::uint8_t(values[i]);
        } else if (size == 2) {
            *reinterpret_cast<std::uint16_t*>(at) = std::uint16_t(values[i]);
        } else if (size == 4) {
            *reinterpret_cast<std::uint32_t*>(at) = std::uint32_t(values[i]);
        } else if (size == 8) {
            *reinterpret_cast<std::uint64_t*>(at) = std::uint64_t(values[i]);
        }
    }
    if (TIFFFieldPassCount(field)) {
        if (TIFFFieldSetGetCountSize(field) == 4) {
            return TIFFSetField(tif, tag, std::uint32_t(values.size()), storage.data()) == 1;
        }
        return TIFFSetField(tif, tag, std::uint16_t(values.size()), storage.data()) == 1;
    }
    if (TIFFFieldWriteCount(field) == 1) {
        // Scalars travel through varargs: integers promote to int, floats to double.
        if (isRealType(type)) {
            return TIFFSetField(tif, tag, values[0]) == 1;
        }
        return TIFFSetField(tif, tag, unsigned(values[0])) == 1;
    }
    return TIFFSetField(tif, tag, storage.data()) == 1;
}

} // namespace hdr::core::io_detail
