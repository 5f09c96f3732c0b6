// Placeholder: the real implementation replaces this file.
#include "io/FormatReaders.h"
namespace hdr::core {
Result<std::vector<ExrPartInfo>> inspectExr(const std::filesystem::path& p) { return fail(ErrorCode::Internal, "EXR not implemented", p.string()); }
Result<ImageF> readExr(const std::filesystem::path& p, const ReadOptions&) { return fail(ErrorCode::Internal, "EXR not implemented", p.string()); }
Status writeExr(const ImageF&, const std::filesystem::path& p, const WriteOptions&) { return fail(ErrorCode::Internal, "EXR not implemented", p.string()); }
}
