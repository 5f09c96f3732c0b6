// Writes a small seed corpus for the fuzz targets with our own writers, for checkouts without
// ../shared: make_fuzz_seeds <dir> creates <dir>/rgbe (RGBE in every scanline coding and some
// header variants) and <dir>/image (the same plus whatever other formats writeImage supports).

#include "common/AtomicFile.h"
#include "io/FormatReaders.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

using namespace hdr::core;
namespace fs = std::filesystem;

namespace {

ImageF gradient(int width, int height)
{
    ImageF image(width, height, 3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            float* p = image.pixel(x, y);
            p[0] = std::exp2(float(x) - 4.0f);
            p[1] = (x / 4) % 2 ? 0.5f : 0.25f; // runs for the RLE coder
            p[2] = float(y) * 0.1f;
        }
    }
    return image;
}

void save(const fs::path& path, const std::vector<std::byte>& bytes)
{
    if (auto ok = writeFileAtomically(path, bytes, true); !ok) {
        std::fprintf(stderr, "make_fuzz_seeds: %s\n", ok.error().describe().c_str());
    }
}

std::vector<std::byte> handMade(const std::string& header, const std::vector<unsigned char>& pixels)
{
    std::vector<std::byte> out;
    for (char c : header) {
        out.push_back(std::byte(c));
    }
    for (unsigned char c : pixels) {
        out.push_back(std::byte(c));
    }
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fuzz_seeds <output-dir>\n");
        return 2;
    }
    const fs::path rgbeDir = fs::path(argv[1]) / "rgbe";
    const fs::path imageDir = fs::path(argv[1]) / "image";
    fs::create_directories(rgbeDir);
    fs::create_directories(imageDir);

    std::vector<std::pair<std::string, std::vector<std::byte>>> rgbe;
    rgbe.emplace_back("new-rle.hdr", encodeRgbe(gradient(24, 3), {{"seed", "1"}}));
    rgbe.emplace_back("flat.hdr", encodeRgbe(gradient(5, 2), {}));
    ImageF xyz = gradient(9, 2);
    xyz.colorSpace = LinearColorSpace{Primaries::XYZ, {}};
    rgbe.emplace_back("xyze.hdr", encodeRgbe(xyz, {}));
    ImageF wide = gradient(8, 1);
    wide.colorSpace = LinearColorSpace{Primaries::Rec2020, {}};
    rgbe.emplace_back("primaries.hdr", encodeRgbe(wide, {{"rgbe.view", "-vta -vh 180"}}));
    rgbe.emplace_back("old-rle.hdr",
                      handMade("#?RADIANCE\nEXPOSURE=0.5\nCOLORCORR=1 1 2\n\n-Y 2 +X 300\n",
                               {64, 128, 32, 129, 1, 1, 1, 43, 1,   1,   1,  1,   10, 20, 30, 130,
                                1,  1,   1,  255, 1, 1, 1, 0,  200, 100, 50, 128, 1,  1,  1,  43}));
    rgbe.emplace_back("transposed.hdr",
                      handMade("#?RGBE\nFORMAT=32-bit_rle_rgbe\n\n-X 3 +Y 2\n",
                               {1,  2,  3,  128, 4,  5,  6,  128, 7,  8,  9,  129,
                                10, 11, 12, 128, 13, 14, 15, 130, 16, 17, 18, 128}));
    for (const auto& [name, bytes] : rgbe) {
        save(rgbeDir / name, bytes);
        save(imageDir / name, bytes);
    }

    // Other formats, through the project's writers where they are implemented.
    const ImageF image = gradient(12, 5);
    for (const char* ext : {"exr", "tif", "png", "jpg"}) {
        WriteOptions options;
        options.overwrite = true;
        if (auto ok = writeImage(image, imageDir / (std::string("seed.") + ext), options); !ok) {
            std::fprintf(stderr, "make_fuzz_seeds: no %s seed: %s\n", ext, ok.error().describe().c_str());
        }
    }
    return 0;
}
