#include "batch/BatchConfigYaml.h"

#include "common/AtomicFile.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace hdr::batch {
namespace {

using core::ErrorCode;
using spec::SettingInfo;
using spec::SettingKind;
using spec::SettingValue;

[[noreturn]] void failAt(const YAML::Mark& mark, const std::string& key, const std::string& problem)
{
    const std::string line = mark.line >= 0 ? "line " + std::to_string(mark.line + 1) + ", " : std::string();
    core::throwError(ErrorCode::InvalidArgument, line + key + ": " + problem);
}

std::string lowered(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

const char* expectedText(SettingKind kind)
{
    switch (kind) {
    case SettingKind::Flag: return "expects true or false";
    case SettingKind::Integer: return "expects a whole number";
    case SettingKind::Real: return "expects a number";
    case SettingKind::RealList: return "expects a list of numbers";
    case SettingKind::TextList: return "expects a list";
    default: return "expects text";
    }
}

SettingValue scalarValue(const SettingInfo& info, const YAML::Node& node, const YAML::Mark& mark)
{
    const std::string text = node.Scalar();
    if (info.kind == SettingKind::Flag) {
        const std::string t = lowered(text);
        if (t == "true" || t == "yes" || t == "on") return true;
        if (t == "false" || t == "no" || t == "off") return false;
        failAt(mark, info.key, std::string(expectedText(info.kind)) + ", got '" + text + "'.");
    }
    if (info.kind == SettingKind::Integer || info.kind == SettingKind::Real ||
        info.kind == SettingKind::RealList) {
        try {
            return spec::parseSettingText(info, text);
        } catch (const core::HdrError&) {
            failAt(mark, info.key, std::string(expectedText(info.kind)) + ", got '" + text + "'.");
        }
    }
    if (info.kind == SettingKind::TextList) return std::vector<std::string>{text};
    return text;
}

SettingValue valueOf(const SettingInfo& info, const YAML::Node& node, const YAML::Mark& mark)
{
    if (node.IsNull()) {
        if (info.nullable) return std::monostate{};
        if (info.kind == SettingKind::Text || info.kind == SettingKind::Path) return std::string();
        if (info.kind == SettingKind::TextList) return std::vector<std::string>{};
        failAt(mark, info.key, "needs a value.");
    }
    if (node.IsMap()) failAt(mark, info.key, std::string(expectedText(info.kind)) + ", not a mapping.");
    if (node.IsSequence()) {
        if (info.kind == SettingKind::TextList) {
            std::vector<std::string> list;
            for (const YAML::Node& item : node) {
                if (!item.IsScalar()) failAt(item.Mark(), info.key, "expects a list of plain values.");
                list.push_back(item.Scalar());
            }
            return list;
        }
        if (info.kind == SettingKind::RealList) {
            std::vector<double> list;
            for (const YAML::Node& item : node) {
                const SettingValue v =
                    item.IsScalar() ? scalarValue(SettingInfo{.key = info.key, .kind = SettingKind::Real},
                                                  item,
                                                  item.Mark())
                                    : SettingValue{};
                const auto* d = std::get_if<double>(&v);
                if (!d) failAt(item.Mark(), info.key, "expects a list of numbers.");
                list.push_back(*d);
            }
            return list;
        }
        failAt(mark, info.key, std::string(expectedText(info.kind)) + ", not a list.");
    }
    return scalarValue(info, node, mark);
}

void resolvePath(SettingValue& value, const std::filesystem::path& baseDir)
{
    auto* text = std::get_if<std::string>(&value);
    if (!text || text->empty() || baseDir.empty()) return;
    std::filesystem::path p(*text);
    if (text->front() == '~' || p.is_absolute()) return;
    *text = (baseDir / p).lexically_normal().string();
}

void apply(BatchConfig& config, std::string_view text, const std::filesystem::path& baseDir)
{
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        const std::string line =
            e.mark.line >= 0 ? "line " + std::to_string(e.mark.line + 1) + ": " : std::string();
        core::throwError(ErrorCode::InvalidArgument, line + "not valid YAML (" + e.msg + ").");
    }
    if (root.IsNull()) return; // an empty file: the defaults
    if (!root.IsMap()) {
        core::throwError(ErrorCode::InvalidArgument,
                         "the config must be a mapping of settings (key: value).");
    }
    const auto& spec = batchConfigSpec();
    std::set<std::string> seen;
    for (const auto& entry : root) {
        const YAML::Mark mark = entry.first.Mark();
        if (!entry.first.IsScalar()) failAt(mark, "?", "a setting name must be plain text.");
        const std::string key = entry.first.Scalar();
        const auto* field = spec.find(key);
        if (!field) {
            const std::string hint = spec.find(lowered(key)) ? " (keys are lower case)" : "";
            failAt(mark, key, "not a batch setting" + hint + "; see resources/batch/example.yaml.");
        }
        if (!seen.insert(key).second) failAt(mark, key, "set twice.");
        SettingValue value = valueOf(field->info, entry.second, mark);
        if (field->info.kind == SettingKind::Path) resolvePath(value, baseDir);
        try {
            field->set(config, value);
        } catch (const core::HdrError& e) {
            failAt(mark, key, e.error().message);
        }
        if (auto problem = spec::checkSettingValue(field->info, field->get(config))) {
            failAt(mark, key, *problem);
        }
    }
}

} // namespace

core::Status applyBatchConfigYaml(BatchConfig& config,
                                  std::string_view text,
                                  const std::filesystem::path& baseDir,
                                  const std::string& where)
{
    BatchConfig updated = config;
    auto status = core::guarded(ErrorCode::InvalidArgument, where, [&] { apply(updated, text, baseDir); });
    if (!status) {
        status.error().where = where;
        return status;
    }
    config = std::move(updated);
    return {};
}

core::Result<BatchConfig> readBatchConfig(const std::filesystem::path& file)
{
    auto bytes = core::readFileBytes(file, kMaxConfigBytes);
    if (!bytes) return tl::unexpected(bytes.error());
    BatchConfig config;
    const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    if (auto status = applyBatchConfigYaml(config, text, file.parent_path(), file.string()); !status) {
        return tl::unexpected(status.error());
    }
    return config;
}

} // namespace hdr::batch
