#pragma once

// Storage for multi-megabyte scratch buffers (pyramid levels, weight maps).
//
// Why: on the virtual machines HDR Studio is benchmarked on, the first touch of a fresh 4 KiB page
// costs 5-8 µs of kernel time; a 12 MP float RGB image is 36 000 such faults (~0.5 s, more than the
// arithmetic done on it). Transparent huge pages cut that ~500x, but Debian's default THP mode is
// "madvise": only regions the program marks get them. So blocks of at least
// kLargeBufferMinBytes come straight from mmap, 2 MiB aligned and marked MADV_HUGEPAGE, and go
// back to the kernel when freed; smaller blocks use operator new. Elsewhere than Linux, or when
// the kernel refuses the advice, this is plain page-granular memory: only speed differs.

#include <cstddef>
#include <new>
#include <vector>

namespace hdr::core {

inline constexpr std::size_t kLargeBufferMinBytes = std::size_t(4) << 20;

// Throws std::bad_alloc when the memory is not available.
void* allocateLargeBuffer(std::size_t bytes);
void releaseLargeBuffer(void* pointer, std::size_t bytes) noexcept;

template <class T> struct LargeBufferAllocator {
    using value_type = T;

    LargeBufferAllocator() = default;
    template <class U> LargeBufferAllocator(const LargeBufferAllocator<U>&) noexcept {}

    T* allocate(std::size_t n)
    {
        if (n > std::size_t(-1) / sizeof(T)) {
            throw std::bad_alloc();
        }
        return static_cast<T*>(allocateLargeBuffer(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { releaseLargeBuffer(p, n * sizeof(T)); }

    template <class U> bool operator==(const LargeBufferAllocator<U>&) const noexcept { return true; }
};

template <class T> using LargeVector = std::vector<T, LargeBufferAllocator<T>>;

} // namespace hdr::core
