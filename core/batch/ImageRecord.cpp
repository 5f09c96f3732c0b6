#include "batch/ImageRecord.h"

#include "common/AtomicFile.h"

namespace hdr::batch {
namespace {

using core::ErrorCode;
using nlohmann::json;

constexpr std::size_t kMaxRecordBytes = 4u << 20;

json loraJson(const LoraChoice& l)
{
    return {{"kind", nameOf(l.kind)},
            {"name", l.name},
            {"path", l.path.string()},
            {"strength", l.strength},
            {"trigger", l.trigger}};
}

std::string stringAt(const json& j, const char* key)
{
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

json recordJson(const ImageRecord& r)
{
    json j = json::object();
    j["stage"] = r.stage;
    j["image"] = r.image;
    if (r.stage == "final") j["source"] = r.source;
    j["stamp"] = r.stamp;
    j["parameters"] = r.parameters;
    j["loras"] = json::array();
    for (const LoraChoice& l : r.loras)
        j["loras"].push_back(loraJson(l));
    j["promptOptions"] = r.promptOptions;
    j["config"] = r.config;
    if (r.stage == "final") {
        j["stages"] = r.stages;
        j["intermediates"] = r.intermediates;
        j["hdr"] = json::array();
    } else {
        j["finals"] = json::array();
    }
    return j;
}

std::string recordText(const ImageRecord& record)
{
    return recordJson(record).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

core::Result<ImageRecord> parseImageRecord(std::string_view text, const std::string& where)
{
    const json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return core::fail(ErrorCode::CorruptData, "the metadata record is not a JSON object", where);
    }
    ImageRecord r;
    r.stage = stringAt(j, "stage");
    r.image = stringAt(j, "image");
    r.source = stringAt(j, "source");
    r.stamp = stringAt(j, "stamp");
    if (const auto it = j.find("parameters"); it != j.end() && it->is_object()) r.parameters = *it;
    if (const auto it = j.find("config"); it != j.end() && it->is_object()) r.config = *it;
    if (const auto it = j.find("promptOptions"); it != j.end() && it->is_array()) {
        for (const json& o : *it) {
            if (o.is_string()) r.promptOptions.push_back(o.get<std::string>());
        }
    }
    if (const auto it = j.find("loras"); it != j.end() && it->is_array()) {
        for (const json& l : *it) {
            if (!l.is_object()) continue;
            LoraChoice lora;
            lora.kind = loraKindFromName(stringAt(l, "kind")).value_or(LoraKind::Prompt);
            lora.name = stringAt(l, "name");
            lora.path = stringAt(l, "path");
            if (const auto s = l.find("strength"); s != l.end() && s->is_number())
                lora.strength = s->get<double>();
            lora.trigger = stringAt(l, "trigger");
            r.loras.push_back(std::move(lora));
        }
    }
    if (const auto it = j.find("intermediates"); it != j.end() && it->is_array()) {
        for (const json& o : *it) {
            if (o.is_string()) r.intermediates.push_back(o.get<std::string>());
        }
    }
    if (const auto it = j.find("stages"); it != j.end() && it->is_object()) r.stages = *it;
    return r;
}

core::Result<ImageRecord> readImageRecord(const std::filesystem::path& path)
{
    auto bytes = core::readFileBytes(path, kMaxRecordBytes);
    if (!bytes) return tl::unexpected(bytes.error());
    return parseImageRecord(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
                            path.string());
}

} // namespace hdr::batch
