#pragma once

#include "common/Error.h"
#include "image/DisplayImage.h"
#include "image/Image.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hdr::core {

// ICC profiles through LittleCMS 2.

// A matrix/shaper ICC v4 profile describing display signal with these primaries and transfer
// (sRGB, pure gamma or linear). PQ/HLG have no exact ICC form; for them this returns the profile
// of the primaries with a linear curve, and PNG writers add a cICP chunk instead.
std::vector<std::uint8_t>
makeIccProfile(const LinearColorSpace& primaries, const Transfer& transfer, const std::string& description);

// Short description stored in a profile ("sRGB IEC61966-2.1", "Display P3", ...), or empty.
std::string iccDescription(std::span<const std::uint8_t> profile);

// Linearises a display-referred image: when image.metadata.iccProfile holds a valid RGB (or gray)
// profile, pixels go through it into scene-linear Rec.709 (float, unbounded: wide-gamut colours
// keep negative components); otherwise through image.transfer into its own primaries.
// A broken profile is reported (CorruptData) unless `fallbackOnBadProfile`, which then decodes
// with image.transfer and logs a warning.
template <typename T>
Result<ImageF> linearizeDisplayImage(const DisplayImage<T>& image, bool fallbackOnBadProfile = true);

extern template Result<ImageF> linearizeDisplayImage<std::uint8_t>(const DisplayImage8&, bool);
extern template Result<ImageF> linearizeDisplayImage<std::uint16_t>(const DisplayImage16&, bool);

// Monitor profile support for the viewer: converts display-encoded sRGB 8-bit RGBA pixels in
// place into the monitor's space. Built once per profile; apply() is thread-safe.
class MonitorTransform {
public:
    static Result<MonitorTransform> fromProfile(std::span<const std::uint8_t> monitorProfile);
    MonitorTransform(MonitorTransform&&) noexcept;
    MonitorTransform& operator=(MonitorTransform&&) noexcept;
    ~MonitorTransform();
    void applyRgba8(std::uint8_t* pixels, std::size_t pixelCount) const;

private:
    MonitorTransform() = default;
    void* m_transform = nullptr; // cmsHTRANSFORM
};

} // namespace hdr::core
