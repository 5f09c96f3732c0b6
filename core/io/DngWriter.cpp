// Placeholder: the real implementation replaces this file.
#include "io/FormatReaders.h"
namespace hdr::core {
Status writeDng(const ImageF&, const std::filesystem::path& p, const WriteOptions&) { return fail(ErrorCode::Internal, "DNG not implemented", p.string()); }
}
