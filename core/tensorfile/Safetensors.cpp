#include "tensorfile/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

namespace hdr::diffusion {
using core::ErrorCode;
using core::throwError;

namespace {

struct DTypeName {
    const char* name;
    TensorDType dtype;
    std::size_t size;
};
constexpr DTypeName kDTypes[] = {
    {"F64", TensorDType::F64, 8},
    {"F32", TensorDType::F32, 4},
    {"F16", TensorDType::F16, 2},
    {"BF16", TensorDType::BF16, 2},
    {"I64", TensorDType::I64, 8},
    {"I32", TensorDType::I32, 4},
    {"I16", TensorDType::I16, 2},
    {"I8", TensorDType::I8, 1},
    {"U8", TensorDType::U8, 1},
    {"BOOL", TensorDType::Bool, 1},
};

TensorDType parseDType(const std::string& s, const std::string& tensor)
{
    for (const auto& d : kDTypes) {
        if (s == d.name) {
            return d.dtype;
        }
    }
    throwError(ErrorCode::UnsupportedFormat,
               "tensor has dtype '" + s +
                   "', which HDR Studio does not read (F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL)",
               tensor);
}

std::uint64_t readU64LE(const std::byte* p)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    }
    return v;
}

} // namespace

const char* nameOf(TensorDType dtype)
{
    for (const auto& d : kDTypes) {
        if (d.dtype == dtype) {
            return d.name;
        }
    }
    return "?";
}

std::size_t elementSize(TensorDType dtype)
{
    for (const auto& d : kDTypes) {
        if (d.dtype == dtype) {
            return d.size;
        }
    }
    return 1;
}

std::int64_t SafetensorsEntry::numel() const
{
    std::int64_t n = 1;
    for (auto d : shape) {
        n *= d;
    }
    return n;
}

core::Result<std::vector<SafetensorsEntry>>
parseSafetensorsHeader(std::string_view json,
                       std::uint64_t dataBytes,
                       std::map<std::string, std::string>* metadata,
                       const SafetensorsLimits& limits)
{
    return core::guarded(ErrorCode::CorruptData, {}, [&] {
        nlohmann::json header;
        try {
            header = nlohmann::json::parse(json.begin(), json.end());
        } catch (const nlohmann::json::exception& e) {
            throwError(ErrorCode::CorruptData,
                       std::string("safetensors header is not valid JSON: ") + e.what());
        }
        if (!header.is_object()) {
            throwError(ErrorCode::CorruptData, "safetensors header is not a JSON object");
        }
        if (header.size() > limits.maxTensors + 1) {
            throwError(ErrorCode::LimitExceeded,
                       "safetensors header lists " + std::to_string(header.size()) +
                           " tensors, more than the limit of " + std::to_string(limits.maxTensors));
        }
        std::vector<SafetensorsEntry> entries;
        entries.reserve(header.size());
        for (auto it = header.begin(); it != header.end(); ++it) {
            const std::string& name = it.key();
            const auto& v = it.value();
            if (name == "__metadata__") {
                if (!v.is_object()) {
                    throwError(ErrorCode::CorruptData, "__metadata__ must be an object of strings");
                }
                for (auto m = v.begin(); m != v.end(); ++m) {
                    if (!m.value().is_string()) {
                        throwError(ErrorCode::CorruptData, "__metadata__ value is not a string", m.key());
                    }
                    if (metadata) {
                        (*metadata)[m.key()] = m.value().get<std::string>();
                    }
                }
                continue;
            }
            if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
                !v.contains("data_offsets")) {
                throwError(ErrorCode::CorruptData, "tensor entry needs dtype, shape and data_offsets", name);
            }
            const auto& jd = v["dtype"];
            const auto& js = v["shape"];
            const auto& jo = v["data_offsets"];
            if (!jd.is_string() || !js.is_array() || !jo.is_array() || jo.size() != 2) {
                throwError(ErrorCode::CorruptData,
                           "tensor entry has a malformed dtype, shape or data_offsets",
                           name);
            }
            SafetensorsEntry e;
            e.name = name;
            e.dtype = parseDType(jd.get<std::string>(), name);
            if (js.size() > limits.maxRank) {
                throwError(ErrorCode::LimitExceeded,
                           "tensor rank " + std::to_string(js.size()) + " is too large",
                           name);
            }
            std::uint64_t numel = 1;
            for (const auto& d : js) {
                if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<std::int64_t>() >= 0)) {
                    throwError(ErrorCode::CorruptData, "tensor shape must hold non-negative integers", name);
                }
                const auto dim = d.get<std::uint64_t>();
                if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
                    (dim != 0 && numel > std::numeric_limits<std::uint64_t>::max() / dim)) {
                    throwError(ErrorCode::CorruptData, "tensor shape overflows", name);
                }
                numel *= dim;
                e.shape.push_back(static_cast<std::int64_t>(dim));
            }
            for (const auto& o : jo) {
                if (!o.is_number_unsigned() && !(o.is_number_integer() && o.get<std::int64_t>() >= 0)) {
                    throwError(ErrorCode::CorruptData, "data_offsets must be non-negative integers", name);
                }
            }
            e.begin = jo[0].get<std::uint64_t>();
            e.end = jo[1].get<std::uint64_t>();
            if (e.begin > e.end || e.end > dataBytes) {
                throwError(ErrorCode::CorruptData,
                           "tensor bytes [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                               ") lie outside the " + std::to_string(dataBytes) +
                               "-byte data section (truncated file?)",
                           name);
            }
            const std::uint64_t esize = elementSize(e.dtype);
            if (numel > std::numeric_limits<std::uint64_t>::max() / esize ||
                numel * esize != e.end - e.begin) {
                throwError(ErrorCode::CorruptData,
                           "tensor shape x dtype size does not match its byte range (" +
                               std::to_string(e.end - e.begin) + " bytes)",
                           name);
            }
            entries.push_back(std::move(e));
        }
        std::vector<const SafetensorsEntry*> byOffset;
        byOffset.reserve(entries.size());
        for (const auto& e : entries) {
            byOffset.push_back(&e);
        }
        std::sort(byOffset.begin(), byOffset.end(), [](const auto* a, const auto* b) {
            return a->begin < b->begin || (a->begin == b->begin && a->end < b->end);
        });
        for (std::size_t i = 1; i < byOffset.size(); ++i) {
            if (byOffset[i]->begin < byOffset[i - 1]->end) {
                throwError(ErrorCode::CorruptData,
                           "tensor bytes overlap those of '" + byOffset[i - 1]->name + "'",
                           byOffset[i]->name);
            }
        }
        std::sort(
            entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        return entries;
    });
}

core::Result<std::shared_ptr<SafetensorsFile>> SafetensorsFile::open(const std::filesystem::path& path,
                                                                     const SafetensorsLimits& limits)
{
    std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
    file->m_path = path;
    if (auto ok = file->m_storage.map(path, 8, "file is too short to be safetensors"); !ok) {
        return tl::unexpected(ok.error());
    }
    file->m_base = file->m_storage.data();
    file->m_size = file->m_storage.size();
    if (auto s = file->parse(limits); !s) {
        return tl::unexpected(tensorfile::locatedIn(s.error(), path));
    }
    return file;
}

core::Result<std::shared_ptr<SafetensorsFile>> SafetensorsFile::fromBytes(std::span<const std::byte> bytes,
                                                                          const SafetensorsLimits& limits)
{
    std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
    file->m_storage.copy(bytes);
    file->m_base = file->m_storage.data();
    file->m_size = file->m_storage.size();
    if (file->m_size < 8) {
        return core::fail(ErrorCode::CorruptData, "data is too short to be safetensors");
    }
    if (auto s = file->parse(limits); !s) {
        return tl::unexpected(s.error());
    }
    return file;
}

core::Status SafetensorsFile::parse(const SafetensorsLimits& limits)
{
    const std::uint64_t headerLen = readU64LE(m_base);
    if (headerLen > limits.maxHeaderBytes) {
        return core::fail(ErrorCode::LimitExceeded,
                          "safetensors header claims " + std::to_string(headerLen) +
                              " bytes, more than the limit of " + std::to_string(limits.maxHeaderBytes));
    }
    if (headerLen > m_size - 8) {
        return core::fail(ErrorCode::CorruptData,
                          "safetensors header runs past the end of the file (truncated?)");
    }
    m_dataStart = 8 + headerLen;
    const std::string_view json(reinterpret_cast<const char*>(m_base + 8), headerLen);
    auto entries = parseSafetensorsHeader(json, m_size - m_dataStart, &m_metadata, limits);
    if (!entries) {
        return tl::unexpected(entries.error());
    }
    m_entries = std::move(*entries);
    return {};
}

SafetensorsFile::~SafetensorsFile() = default;

const SafetensorsEntry* SafetensorsFile::find(std::string_view name) const
{
    return tensorfile::findByName(m_entries, name);
}

std::span<const std::byte> SafetensorsFile::bytes(const SafetensorsEntry& entry) const
{
    return {m_base + m_dataStart + entry.begin, static_cast<std::size_t>(entry.byteSize())};
}

} // namespace hdr::diffusion
