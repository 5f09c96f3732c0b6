#include "tensorboard/EventFiles.h"

#include <algorithm>
#include <cstdio>

namespace hdr::tensorboard {

namespace fs = std::filesystem;

std::string eventFileName(std::int64_t unixSeconds,
                          std::string_view hostname,
                          std::int64_t pid,
                          std::int64_t counter,
                          std::string_view suffix)
{
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%010lld", static_cast<long long>(unixSeconds));
    std::string name = "events.out.tfevents.";
    name += seconds;
    name += '.';
    name += hostname;
    name += '.';
    name += std::to_string(pid);
    name += '.';
    name += std::to_string(counter);
    name += suffix;
    return name;
}

bool isEventFileName(std::string_view fileName)
{
    return fileName.find("tfevents") != std::string_view::npos;
}

core::Result<std::vector<fs::path>> findEventFiles(const fs::path& runFolder)
{
    return core::guarded(core::ErrorCode::IoError, runFolder.string(), [&] {
        std::vector<fs::path> files;
        std::error_code ec;
        const auto status = fs::status(runFolder, ec);
        if (ec || !fs::exists(status)) {
            core::throwError(core::ErrorCode::IoError,
                             "the run folder does not exist or cannot be read",
                             runFolder.string());
        }
        if (fs::is_regular_file(status)) {
            if (!isEventFileName(runFolder.filename().string())) {
                core::throwError(core::ErrorCode::UnsupportedFormat,
                                 "not a TensorBoard event file (the name has no \"tfevents\")",
                                 runFolder.string());
            }
            files.push_back(runFolder);
            return files;
        }
        fs::recursive_directory_iterator it(runFolder, fs::directory_options::skip_permission_denied, ec);
        if (ec) {
            core::throwError(
                core::ErrorCode::IoError, "cannot list the run folder: " + ec.message(), runFolder.string());
        }
        for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) {
                break; // a folder vanished or became unreadable while listing: keep what we found
            }
            std::error_code typeError;
            if (it->is_regular_file(typeError) && isEventFileName(it->path().filename().string())) {
                files.push_back(it->path());
            }
        }
        std::sort(files.begin(), files.end());
        return files;
    });
}

} // namespace hdr::tensorboard
