#include "runlog/ConfigDiff.h"

#include <set>

namespace hdr::runlog {

namespace {

// Iterative, so a deeply nested config cannot overflow the stack.
void flattenInto(const nlohmann::json& root, std::map<std::string, nlohmann::json>& out)
{
    std::vector<std::pair<std::string, const nlohmann::json*>> pending{{std::string(), &root}};
    while (!pending.empty()) {
        auto [prefix, node] = std::move(pending.back());
        pending.pop_back();
        if (!node->is_object() || node->empty()) {
            out[prefix] = *node;
            continue;
        }
        for (auto it = node->begin(); it != node->end(); ++it) {
            pending.emplace_back(prefix.empty() ? it.key() : prefix + "." + it.key(), &it.value());
        }
    }
}

} // namespace

std::map<std::string, nlohmann::json> flattenConfig(const nlohmann::json& config)
{
    std::map<std::string, nlohmann::json> out;
    flattenInto(config, out);
    return out;
}

std::vector<std::string> configDifferences(const std::vector<nlohmann::json>& configs)
{
    if (configs.size() < 2) {
        return {};
    }
    std::vector<std::map<std::string, nlohmann::json>> flat;
    std::set<std::string> keys;
    for (const auto& config : configs) {
        flat.push_back(flattenConfig(config));
        for (const auto& [key, value] : flat.back()) {
            keys.insert(key);
        }
    }
    std::vector<std::string> differing;
    for (const std::string& key : keys) {
        const auto first = flat.front().find(key);
        for (std::size_t i = 1; i < flat.size(); ++i) {
            const auto other = flat[i].find(key);
            const bool firstHas = first != flat.front().end();
            const bool otherHas = other != flat[i].end();
            if (firstHas != otherHas || (firstHas && first->second != other->second)) {
                differing.push_back(key);
                break;
            }
        }
    }
    return differing;
}

std::string configValueText(const nlohmann::json& value)
{
    if (value.is_string()) {
        return value.get<std::string>();
    }
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace hdr::runlog
