#include "color/Ocio.h"

#include "common/Log.h"
#include "common/Parallel.h"

#include <OpenColorIO/OpenColorIO.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <unistd.h>

namespace OCIO = OCIO_NAMESPACE;

namespace hdr::core {
namespace {

constexpr std::string_view kLogCategory = "hdr.color";

// OCIO's log messages carry their level only as a text prefix ("[OpenColorIO Warning]: ...").
void routeOcioLog(const char* message)
{
    const std::string_view text(message ? message : "");
    LogLevel level = LogLevel::Info;
    if (text.find("Error") != std::string_view::npos) {
        level = LogLevel::Error;
    } else if (text.find("Warning") != std::string_view::npos) {
        level = LogLevel::Warning;
    } else if (text.find("Debug") != std::string_view::npos) {
        level = LogLevel::Debug;
    }
    std::string_view trimmed = text;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) {
        trimmed.remove_suffix(1);
    }
    log(level, kLogCategory, trimmed);
}

void installOcioLogging()
{
    static std::once_flag once;
    std::call_once(once, [] { OCIO::SetLoggingFunction(&routeOcioLog); });
}

std::string joined(const std::vector<std::string>& names)
{
    std::string out;
    for (const std::string& n : names) {
        out += (out.empty() ? "" : ", ") + n;
    }
    return out;
}

std::filesystem::path executableDir()
{
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : exe.parent_path();
}

bool isRegularFile(const std::filesystem::path& p)
{
    std::error_code ec;
    return !p.empty() && std::filesystem::is_regular_file(p, ec);
}

std::vector<std::filesystem::path> candidateConfigPaths()
{
    std::vector<std::filesystem::path> out;
    for (const char* var : {"HDR_OCIO_CONFIG", "OCIO"}) {
        if (const char* value = std::getenv(var); value && *value) {
            out.emplace_back(value);
        }
    }
    if (const std::filesystem::path dir = executableDir(); !dir.empty()) {
        out.push_back(dir / ".." / "share" / "hdrstudio" / "ocio" / "config.ocio");
    }
    out.emplace_back(HDR_SOURCE_RESOURCE_DIR "/ocio/config.ocio");
    return out;
}

// Sanitises display-bound input so no view can produce NaN: NaN -> 0 (black), and magnitudes are
// limited to the largest half float, far beyond any display's range (PQ peaks at 49.3 x white),
// so +Inf shows as the brightest value and matrix rows cannot turn Inf - Inf into NaN.
constexpr float kDisplayInputLimit = 65504.0f;

void sanitizeForDisplay(float* pixels, std::size_t pixelCount, int channels)
{
    for (std::size_t i = 0; i < pixelCount; ++i) {
        float* p = pixels + i * std::size_t(channels);
        for (int c = 0; c < 3; ++c) {
            const float v = p[c];
            p[c] = std::isnan(v) ? 0.0f : std::clamp(v, -kDisplayInputLimit, kDisplayInputLimit);
        }
    }
}

class OcioProcessor final : public OcioConfig::Processor {
public:
    OcioProcessor(OCIO::ConstCPUProcessorRcPtr cpu, bool displayBound)
        : m_cpu(std::move(cpu))
        , m_displayBound(displayBound)
    {
    }

    void apply(float* pixels, std::size_t pixelCount, int channels) const override
    {
        if (pixels == nullptr || pixelCount == 0 || (channels != 3 && channels != 4)) {
            return;
        }
        // OCIO's CPU processor is single-threaded per call but its apply() is const and
        // thread-safe, so large buffers are split across the core's worker pool.
        constexpr std::size_t kGrain = 1 << 16;
        parallelFor(pixelCount, kGrain, [&](std::size_t begin, std::size_t end) {
            float* chunk = pixels + begin * std::size_t(channels);
            const std::size_t count = end - begin;
            if (m_displayBound) {
                sanitizeForDisplay(chunk, count, channels);
            }
            OCIO::PackedImageDesc desc(chunk, long(count), 1, long(channels));
            m_cpu->apply(desc);
        });
    }

private:
    OCIO::ConstCPUProcessorRcPtr m_cpu;
    bool m_displayBound;
};

} // namespace

struct OcioConfig::Impl {
    OCIO::ConstConfigRcPtr config;
    std::filesystem::path path;

    bool hasColorSpace(const std::string& name) const
    {
        return config->getColorSpace(name.c_str()) != nullptr;
    }
    bool isDisplayReferred(const std::string& name) const
    {
        const OCIO::ConstColorSpaceRcPtr cs = config->getColorSpace(name.c_str());
        return cs && cs->getReferenceSpaceType() == OCIO::REFERENCE_SPACE_DISPLAY;
    }
};

OcioConfig::OcioConfig(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{
}
OcioConfig::~OcioConfig() = default;

std::filesystem::path OcioConfig::defaultConfigPath()
{
    const std::vector<std::filesystem::path> candidates = candidateConfigPaths();
    for (const std::filesystem::path& p : candidates) {
        if (isRegularFile(p)) {
            return p;
        }
    }
    return candidates.back();
}

Result<std::shared_ptr<const OcioConfig>> OcioConfig::loadDefault()
{
    const std::vector<std::filesystem::path> candidates = candidateConfigPaths();
    std::string searched;
    for (const std::filesystem::path& p : candidates) {
        if (isRegularFile(p)) {
            return load(p);
        }
        searched += (searched.empty() ? "" : ", ") + p.string();
    }
    return fail(ErrorCode::IoError,
                "no OpenColorIO config found; set HDR_OCIO_CONFIG to a config.ocio (looked in: " + searched +
                    ")");
}

Result<std::shared_ptr<const OcioConfig>> OcioConfig::load(const std::filesystem::path& configFile)
{
    installOcioLogging();
    const std::string where = configFile.string();
    if (!isRegularFile(configFile)) {
        return fail(ErrorCode::IoError, "the OpenColorIO config file does not exist or is not a file", where);
    }
    try {
        auto impl = std::make_unique<Impl>();
        impl->config = OCIO::Config::CreateFromFile(where.c_str());
        impl->config->validate();
        impl->path = configFile;
        return std::shared_ptr<const OcioConfig>(new OcioConfig(std::move(impl)));
    } catch (const OCIO::Exception& e) {
        return fail(
            ErrorCode::CorruptData, std::string("the OpenColorIO config cannot be used: ") + e.what(), where);
    } catch (...) {
        return tl::unexpected<Error>(errorFromCurrentException(ErrorCode::Internal, where));
    }
}

std::vector<std::string> OcioConfig::displays() const
{
    std::vector<std::string> out;
    for (int i = 0; i < m_impl->config->getNumDisplays(); ++i) {
        out.emplace_back(m_impl->config->getDisplay(i));
    }
    return out;
}

std::string OcioConfig::defaultDisplay() const
{
    return m_impl->config->getDefaultDisplay();
}

std::vector<std::string> OcioConfig::views(const std::string& display) const
{
    std::vector<std::string> out;
    for (int i = 0; i < m_impl->config->getNumViews(display.c_str()); ++i) {
        out.emplace_back(m_impl->config->getView(display.c_str(), i));
    }
    return out;
}

std::string OcioConfig::defaultView(const std::string& display) const
{
    return m_impl->config->getDefaultView(display.c_str());
}

std::vector<std::string> OcioConfig::colorSpaces() const
{
    std::vector<std::string> out;
    const OCIO::ConstConfigRcPtr& config = m_impl->config;
    for (int i = 0; i < config->getNumColorSpaces(); ++i) {
        out.emplace_back(config->getColorSpaceNameByIndex(i));
    }
    return out;
}

std::filesystem::path OcioConfig::path() const
{
    return m_impl->path;
}

Result<std::shared_ptr<const OcioConfig::Processor>> OcioConfig::displayProcessor(
    const std::string& inputColorSpace, const std::string& display, const std::string& view) const
{
    const std::string where = m_impl->path.string();
    if (!m_impl->hasColorSpace(inputColorSpace)) {
        return fail(ErrorCode::InvalidArgument,
                    "colour space '" + inputColorSpace +
                        "' does not exist; the config has: " + joined(colorSpaces()),
                    where);
    }
    const std::vector<std::string> displayNames = displays();
    if (std::find(displayNames.begin(), displayNames.end(), display) == displayNames.end()) {
        return fail(ErrorCode::InvalidArgument,
                    "display '" + display +
                        "' does not exist; the config has displays: " + joined(displayNames),
                    where);
    }
    const std::vector<std::string> viewNames = views(display);
    if (std::find(viewNames.begin(), viewNames.end(), view) == viewNames.end()) {
        return fail(ErrorCode::InvalidArgument,
                    "view '" + view + "' does not exist for display '" + display +
                        "'; it has: " + joined(viewNames),
                    where);
    }
    try {
        OCIO::DisplayViewTransformRcPtr transform = OCIO::DisplayViewTransform::Create();
        transform->setSrc(inputColorSpace.c_str());
        transform->setDisplay(display.c_str());
        transform->setView(view.c_str());
        const OCIO::ConstProcessorRcPtr processor = m_impl->config->getProcessor(transform);
        return std::shared_ptr<const Processor>(std::make_shared<OcioProcessor>(
            processor->getOptimizedCPUProcessor(OCIO::OPTIMIZATION_DEFAULT), true));
    } catch (const OCIO::Exception& e) {
        return fail(ErrorCode::CorruptData,
                    "cannot build the OpenColorIO transform " + inputColorSpace + " -> " + display + " / " +
                        view + ": " + e.what(),
                    where);
    } catch (...) {
        return tl::unexpected<Error>(errorFromCurrentException(ErrorCode::Internal, where));
    }
}

Result<std::shared_ptr<const OcioConfig::Processor>>
OcioConfig::colorSpaceProcessor(const std::string& from, const std::string& to) const
{
    const std::string where = m_impl->path.string();
    for (const std::string* name : {&from, &to}) {
        if (!m_impl->hasColorSpace(*name)) {
            return fail(ErrorCode::InvalidArgument,
                        "colour space '" + *name +
                            "' does not exist; the config has: " + joined(colorSpaces()),
                        where);
        }
    }
    try {
        const OCIO::ConstProcessorRcPtr processor = m_impl->config->getProcessor(from.c_str(), to.c_str());
        // Conversions between scene-linear spaces keep NaN/Inf as they are (the data says so);
        // only output to a display encoding is sanitised like a display processor.
        const bool displayBound = m_impl->isDisplayReferred(to) && !m_impl->isDisplayReferred(from);
        return std::shared_ptr<const Processor>(std::make_shared<OcioProcessor>(
            processor->getOptimizedCPUProcessor(OCIO::OPTIMIZATION_DEFAULT), displayBound));
    } catch (const OCIO::Exception& e) {
        return fail(ErrorCode::CorruptData,
                    "cannot build the OpenColorIO transform " + from + " -> " + to + ": " + e.what(),
                    where);
    } catch (...) {
        return tl::unexpected<Error>(errorFromCurrentException(ErrorCode::Internal, where));
    }
}

} // namespace hdr::core
