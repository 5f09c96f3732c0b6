#include "io/ReadBounds.h"

#include <sys/stat.h>

namespace hdr::core::io_detail {

Error claimExceedsFile(const std::string& format,
                       std::int64_t width,
                       std::int64_t height,
                       std::uint64_t haveBytes,
                       std::uint64_t neededBytes,
                       const std::string& why,
                       const std::string& where)
{
    return Error{ErrorCode::CorruptData,
                 format + " file is damaged or hostile: it claims " + std::to_string(width) + " x " +
                     std::to_string(height) + " pixels but holds only " + std::to_string(haveBytes) +
                     " bytes; " + why + ", it would need at least " + std::to_string(neededBytes) + " bytes",
                 where};
}

std::uint64_t fileSizeOf(std::FILE* file)
{
    struct stat st {};
    if (!file || ::fstat(::fileno(file), &st) != 0 || st.st_size < 0) {
        return 0;
    }
    return std::uint64_t(st.st_size);
}

} // namespace hdr::core::io_detail
