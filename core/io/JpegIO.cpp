// Placeholder: the real implementation replaces this file.
#include "io/FormatReaders.h"
namespace hdr::core {
Result<ImageF> readJpeg(const std::filesystem::path& p, const ReadOptions&) { return fail(ErrorCode::Internal, "JPEG not implemented", p.string()); }
Status writeJpegDisplay(const DisplayImage16&, const std::filesystem::path& p, const WriteOptions&) { return fail(ErrorCode::Internal, "JPEG not implemented", p.string()); }
}
