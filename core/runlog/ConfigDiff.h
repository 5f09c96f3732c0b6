#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace hdr::runlog {

// A run's config as dotted keys: {"optim": {"lr": 0.1}} -> "optim.lr" = 0.1. Arrays and scalars
// are leaves (an array is one value: "[1,2,3]" in a table cell); an empty object is a leaf too.
// A non-object config flattens to the single key "" (the value itself).
std::map<std::string, nlohmann::json> flattenConfig(const nlohmann::json& config);

// The flattened keys whose values are not the same in every run (a key some runs lack counts as
// different), sorted: the rows a hyper-parameter table highlights. Fewer than two runs: none.
std::vector<std::string> configDifferences(const std::vector<nlohmann::json>& configs);

// A leaf value as a table cell shows it: strings without quotes, numbers and the rest as JSON.
std::string configValueText(const nlohmann::json& value);

} // namespace hdr::runlog
