#include "tensorfile/PrivateFileMapping.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hdr::tensorfile {

using core::ErrorCode;

PrivateFileMapping::~PrivateFileMapping()
{
    if (m_mapped && m_base) {
        ::munmap(m_base, m_size);
    }
}

core::Status PrivateFileMapping::map(const std::filesystem::path& path,
                                     std::uint64_t minimumSize,
                                     std::string_view tooSmall)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return core::fail(
            ErrorCode::IoError, std::string("cannot open: ") + std::strerror(errno), path.string());
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return core::fail(ErrorCode::IoError, "not a regular file", path.string());
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size < minimumSize || size == 0) {
        ::close(fd);
        return core::fail(ErrorCode::CorruptData,
                          std::string(tooSmall) + " (" + std::to_string(size) + " bytes)",
                          path.string());
    }
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) {
        return core::fail(
            ErrorCode::IoError, std::string("cannot map the file: ") + std::strerror(errno), path.string());
    }
    m_base = static_cast<std::byte*>(p);
    m_size = size;
    m_mapped = true;
    return {};
}

void PrivateFileMapping::copy(std::span<const std::byte> bytes)
{
    m_owned.assign(bytes.begin(), bytes.end());
    m_base = m_owned.data();
    m_size = m_owned.size();
}

core::Error locatedIn(core::Error error, const std::filesystem::path& path)
{
    error.where = error.where.empty() ? path.string() : path.string() + ": " + error.where;
    return error;
}

} // namespace hdr::tensorfile
