// Placeholder: the real implementation replaces this file.
#include "io/FormatReaders.h"
namespace hdr::core {
Result<ImageF> readPng(const std::filesystem::path& p, const ReadOptions&) { return fail(ErrorCode::Internal, "PNG not implemented", p.string()); }
Status writePngDisplay(const DisplayImage16&, const std::filesystem::path& p, const WriteOptions&) { return fail(ErrorCode::Internal, "PNG not implemented", p.string()); }
}
