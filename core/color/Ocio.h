#pragma once

#include "common/Error.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hdr::core {

// Our OpenColorIO config (resources/ocio/config.ocio), shipped with the app because Debian's
// OCIO 2.1 has no built-in configs. Scene-linear colour spaces: lin_rec709 (reference),
// acescg, lin_rec2020, lin_p3d65, aces2065-1; displays: sRGB and Rec.2100-PQ; views: Standard,
// AgX (AgX-like filmic), ACES (filmic RRT+ODT fit) and Raw.
class OcioConfig {
public:
    // Finds the shipped config: $HDR_OCIO_CONFIG, then $OCIO, then the resource folders
    // (next to the executable: ../share/hdrstudio/ocio, the source tree's resources/ocio).
    static Result<std::shared_ptr<const OcioConfig>> loadDefault();
    static Result<std::shared_ptr<const OcioConfig>> load(const std::filesystem::path& configFile);
    static std::filesystem::path defaultConfigPath();

    ~OcioConfig();

    std::vector<std::string> displays() const;
    std::string defaultDisplay() const;
    std::vector<std::string> views(const std::string& display) const;
    std::string defaultView(const std::string& display) const;
    std::vector<std::string> colorSpaces() const;
    std::filesystem::path path() const;

    // Scene-linear `inputColorSpace` -> display/view. The processor is immutable and its apply()
    // is thread-safe. Errors name the display/view/colour space that does not exist.
    class Processor;
    Result<std::shared_ptr<const Processor>> displayProcessor(const std::string& inputColorSpace,
                                                              const std::string& display,
                                                              const std::string& view) const;
    // Colour space to colour space (e.g. "acescg" -> "lin_rec709").
    Result<std::shared_ptr<const Processor>> colorSpaceProcessor(const std::string& from,
                                                                 const std::string& to) const;

    class Processor {
    public:
        virtual ~Processor() = default;
        // In place over `pixelCount` interleaved pixels with `channels` floats (3 or 4; alpha untouched).
        virtual void apply(float* pixels, std::size_t pixelCount, int channels) const = 0;
    };

private:
    struct Impl;
    explicit OcioConfig(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace hdr::core
