#pragma once
// Settings that every diffusion request has (model, precision, sampler, size, refiner, memory),
// described once. Requests bind them to their own members with RequestSpec::add and may adjust a
// field (e.g. json = false for machine-local settings); the key, label, range and help stay the
// same everywhere, so `generate --help`, `batch --help`, the config file and the GUI agree.
#include "spec/SettingInfo.h"

#include <filesystem>
#include <optional>
#include <string>

namespace hdr::modelsettings {

spec::SettingInfo model();
spec::SettingInfo tokenizer();
spec::SettingInfo dtype();
spec::SettingInfo device();
spec::SettingInfo threads();
spec::SettingInfo promptStyle();
spec::SettingInfo clipSkip();
spec::SettingInfo refiner();
spec::SettingInfo refinerSwitch();
spec::SettingInfo aestheticScore();
spec::SettingInfo negativeAestheticScore();
spec::SettingInfo sampler(); // no choices: generate adds the scheduler table's names
spec::SettingInfo steps();
spec::SettingInfo cfg();
spec::SettingInfo seed();
spec::SettingInfo width();
spec::SettingInfo height();
spec::SettingInfo vaeTile();
spec::SettingInfo offload();

// Output settings of the requests that write a set of files into a folder.
spec::SettingInfo outputFolder(); // --output DIR (not in the metadata: it is where the metadata is)
spec::SettingInfo jsonSidecar();  // --json
spec::SettingInfo overwrite();    // --overwrite (never recorded: each run asks again)

// nullopt when `device` is cpu, cuda or cuda:N; otherwise one sentence saying so.
std::optional<std::string> checkDevice(const std::string& device);

// nullopt for 0 (one piece) or >= 64 pixels (range and multiple are in vaeTile()'s description).
std::optional<std::string> checkVaeTile(int pixels);

// nullopt when an output folder is named.
std::optional<std::string> checkOutputFolder(const std::filesystem::path& folder);

} // namespace hdr::modelsettings
