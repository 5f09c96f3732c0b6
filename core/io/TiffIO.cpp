// Placeholder: the real implementation replaces this file.
#include "io/FormatReaders.h"
namespace hdr::core {
Result<ImageF> readTiff(const std::filesystem::path& p, const ReadOptions&) { return fail(ErrorCode::Internal, "TIFF not implemented", p.string()); }
Status writeTiffFloat(const ImageF&, const std::filesystem::path& p, const WriteOptions&) { return fail(ErrorCode::Internal, "TIFF not implemented", p.string()); }
Status writeTiffDisplay(const DisplayImage16&, const std::filesystem::path& p, const WriteOptions&) { return fail(ErrorCode::Internal, "TIFF not implemented", p.string()); }
}
