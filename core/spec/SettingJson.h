#pragma once
// SettingValue <-> JSON for the metadata records (RequestSpec::toJson / fromJson).
#include "spec/SettingInfo.h"

#include <nlohmann/json.hpp>

namespace hdr::spec {

nlohmann::json toJson(const SettingValue& value);
// Reads a JSON value for a setting of info.kind; null gives an unset value. Throws
// core::HdrError(InvalidArgument) naming the key when the JSON type does not fit.
SettingValue settingFromJson(const SettingInfo& info, const nlohmann::json& value);

} // namespace hdr::spec
