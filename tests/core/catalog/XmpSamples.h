#pragma once
// Hand-written sidecars in the layouts of darktable, digiKam, Lightroom/Bridge and Photo Mechanic.
#include <string>

namespace hdr::test::catalog {

extern const std::string kDarktable;
extern const std::string kDigiKam;
extern const std::string kLightroom;
extern const std::string kPhotoMechanic;

} // namespace hdr::test::catalog
