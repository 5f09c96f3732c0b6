#include "common/LargeBuffer.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hdr::core {
namespace {

#if defined(__linux__)
constexpr std::size_t kHugePage = std::size_t(2) << 20;

std::size_t mappedSize(std::size_t bytes)
{
    return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}
#endif

} // namespace

void* allocateLargeBuffer(std::size_t bytes)
{
#if defined(__linux__)
    if (bytes >= kLargeBufferMinBytes) {
        // Map one huge page more than needed, then trim head and tail so the block starts on a
        // 2 MiB boundary: the kernel can only back aligned 2 MiB ranges with huge pages.
        const std::size_t size = mappedSize(bytes);
        void* raw =
            ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) {
            throw std::bad_alloc();
        }
        const auto start = reinterpret_cast<std::uintptr_t>(raw);
        const std::uintptr_t aligned = (start + kHugePage - 1) & ~std::uintptr_t(kHugePage - 1);
        if (aligned > start) {
            ::munmap(raw, aligned - start);
        }
        const std::size_t tail = (start + size + kHugePage) - (aligned + size);
        if (tail > 0) {
            ::munmap(reinterpret_cast<void*>(aligned + size), tail);
        }
        void* block = reinterpret_cast<void*>(aligned);
        ::madvise(block, size, MADV_HUGEPAGE); // advice only: failure leaves ordinary pages
        return block;
    }
#endif
    return ::operator new(bytes);
}

void releaseLargeBuffer(void* pointer, std::size_t bytes) noexcept
{
    if (pointer == nullptr) {
        return;
    }
#if defined(__linux__)
    if (bytes >= kLargeBufferMinBytes) {
        ::munmap(pointer, mappedSize(bytes));
        return;
    }
#endif
    ::operator delete(pointer);
}

} // namespace hdr::core
