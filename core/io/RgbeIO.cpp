// Placeholder: the real implementation replaces this file.
#include "io/FormatReaders.h"
namespace hdr::core {
Result<ImageF> decodeRgbe(std::span<const std::byte>, const ReadOptions&, const std::string& n) { return fail(ErrorCode::Internal, "RGBE not implemented", n); }
Result<ImageF> readRgbe(const std::filesystem::path& p, const ReadOptions&) { return fail(ErrorCode::Internal, "RGBE not implemented", p.string()); }
std::vector<std::byte> encodeRgbe(const ImageF&, const std::map<std::string, std::string>&) { return {}; }
Status writeRgbe(const ImageF&, const std::filesystem::path& p, const WriteOptions&) { return fail(ErrorCode::Internal, "RGBE not implemented", p.string()); }
}
