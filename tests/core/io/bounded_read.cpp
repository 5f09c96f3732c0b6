// Helper of tst_bounded_reads: reads one image file under an address-space limit.
//
//   bounded_read FILE [LIMIT_MIB]        (default 512)
//
// Sets RLIMIT_AS first, so any attempt to allocate more than the limit fails instead of quietly
// succeeding on a machine with memory to spare, checks that the limit really bites (a 1 GiB
// allocation must fail), then calls readImage() and prints one line:
//   ok <width>x<height>
//   error <code name>\t<message (where)>
// and exits 0. A crash or an uncaught exception (std::bad_alloc escaping a reader) ends the
// process otherwise, which the test reports. Exit 77 with "skip <reason>" under AddressSanitizer,
// which reserves terabytes of address space up front, so no address-space limit can be set.
#include "io/ImageIO.h"

#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <new>
#include <sys/resource.h>

#if defined(__SANITIZE_ADDRESS__)
#define HDR_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HDR_UNDER_ASAN 1
#endif
#endif

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bounded_read FILE [LIMIT_MIB]\n");
        return 2;
    }
#ifdef HDR_UNDER_ASAN
    (void)argv;
    std::printf("skip AddressSanitizer reserves its shadow memory up front, so RLIMIT_AS cannot be set\n");
    return 77;
#else
    const unsigned long limitMiB = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 512;
    // One malloc arena: each extra thread's arena would reserve 64 MiB of address space, which
    // under a tight limit makes small allocations fail on machines with many cores.
    mallopt(M_ARENA_MAX, 1);
    const rlimit limit{rlim_t(limitMiB) << 20, rlim_t(limitMiB) << 20};
    if (setrlimit(RLIMIT_AS, &limit) != 0) {
        std::printf("skip setrlimit(RLIMIT_AS) is not permitted here\n");
        return 77;
    }
    {
        char* probe = new (std::nothrow) char[std::size_t(1) << 30];
        if (probe) {
            delete[] probe;
            std::printf("broken the address-space limit does not stop a 1 GiB allocation\n");
            return 3;
        }
    }
    const auto image = hdr::core::readImage(argv[1]);
    if (image) {
        std::printf("ok %dx%d\n", image->width(), image->height());
    } else {
        std::printf(
            "error %s\t%s\n", hdr::core::nameOf(image.error().code), image.error().describe().c_str());
    }
    return 0;
#endif
}
