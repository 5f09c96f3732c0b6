#include "runlog/RunFolder.h"

#include "common/AtomicFile.h"
#include "runlog/IsoTime.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sys/stat.h>

namespace hdr::runlog {

namespace fs = std::filesystem;

namespace {

bool isTagChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

// Digits at the front of `text`, parsed; `rest` is what follows them.
std::optional<std::int64_t> leadingNumber(std::string_view text, std::string_view& rest)
{
    std::size_t digits = 0;
    while (digits < text.size() && digits < 18 && text[digits] >= '0' && text[digits] <= '9') {
        ++digits;
    }
    if (digits == 0) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + digits, value);
    rest = text.substr(digits);
    return value;
}

} // namespace

std::string runFolderName(std::chrono::system_clock::time_point time, std::string_view tag)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm local{};
    localtime_r(&seconds, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &local);
    std::string name = stamp;
    if (!tag.empty()) {
        name += '_';
        for (char c : tag.substr(0, 100)) {
            name += isTagChar(c) ? c : '_';
        }
    }
    return name;
}

core::Result<fs::path>
createRunFolder(const fs::path& runsRoot, std::string_view tag, std::chrono::system_clock::time_point time)
{
    return core::guarded(core::ErrorCode::IoError, runsRoot.string(), [&] {
        std::error_code ec;
        fs::create_directories(runsRoot, ec);
        if (ec) {
            core::throwError(core::ErrorCode::IoError,
                             "cannot create the runs folder: " + ec.message(),
                             runsRoot.string());
        }
        const std::string base = runFolderName(time, tag);
        for (int attempt = 1; attempt <= 1000; ++attempt) {
            const fs::path candidate =
                runsRoot / (attempt == 1 ? base : base + "_" + std::to_string(attempt));
            if (::mkdir(candidate.c_str(), 0777) == 0) {
                return candidate;
            }
            if (errno != EEXIST) {
                core::throwError(core::ErrorCode::IoError,
                                 std::string("cannot create the run folder: ") + std::strerror(errno),
                                 candidate.string());
            }
        }
        core::throwError(core::ErrorCode::AlreadyExists,
                         "1000 run folders with this name already exist; choose another tag",
                         (runsRoot / base).string());
    });
}

std::string vizFileName(std::int64_t epoch, int sample)
{
    char name[64];
    std::snprintf(name, sizeof name, "epoch%04lld_sample%d.png", static_cast<long long>(epoch), sample);
    return name;
}

std::optional<VizName> parseVizFileName(std::string_view fileName)
{
    constexpr std::string_view prefix = "epoch";
    constexpr std::string_view middle = "_sample";
    constexpr std::string_view suffix = ".png";
    if (fileName.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    std::string_view rest = fileName.substr(prefix.size());
    const auto epoch = leadingNumber(rest, rest);
    if (!epoch || rest.substr(0, middle.size()) != middle) {
        return std::nullopt;
    }
    rest = rest.substr(middle.size());
    const auto sample = leadingNumber(rest, rest);
    if (!sample || *sample > 1000000 || rest != suffix) {
        return std::nullopt;
    }
    return VizName{*epoch, int(*sample)};
}

std::string vizSeriesName(int sample)
{
    return "viz/sample" + std::to_string(sample);
}

std::string checkpointFileName(std::int64_t epoch, std::string_view what)
{
    char stem[48];
    std::snprintf(stem, sizeof stem, "ckpt_e%03lld_", static_cast<long long>(epoch));
    return std::string(stem) + std::string(what) + ".pt";
}

std::optional<std::int64_t> parseCheckpointEpoch(std::string_view fileName)
{
    constexpr std::string_view prefix = "ckpt_e";
    if (fileName.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    std::string_view rest = fileName.substr(prefix.size());
    const auto epoch = leadingNumber(rest, rest);
    if (!epoch || rest.empty() || (rest[0] != '_' && rest[0] != '.')) {
        return std::nullopt;
    }
    return epoch;
}

core::Status requestStop(const fs::path& runDir)
{
    const RunPaths paths(runDir);
    std::error_code ec;
    if (!fs::is_directory(runDir, ec)) {
        return core::fail(core::ErrorCode::IoError, "the run folder does not exist", runDir.string());
    }
    const std::string text = "stop requested at " + isoTimestamp(std::chrono::system_clock::now()) + "\n";
    return core::writeFileAtomically(paths.stopRequest(),
                                     {reinterpret_cast<const std::byte*>(text.data()), text.size()},
                                     /*overwrite=*/true);
}

bool isStopRequested(const fs::path& runDir)
{
    std::error_code ec;
    return fs::exists(RunPaths(runDir).stopRequest(), ec);
}

core::Status clearStopRequest(const fs::path& runDir)
{
    const fs::path file = RunPaths(runDir).stopRequest();
    std::error_code ec;
    fs::remove(file, ec);
    if (ec) {
        return core::fail(
            core::ErrorCode::IoError, "cannot remove the stop request: " + ec.message(), file.string());
    }
    return {};
}

} // namespace hdr::runlog
