#include "tensorfile/TorchCheckpoint.h"

#include "tensorfile/PickleValue.h"
#include "tensorfile/ZipArchive.h"

#include <algorithm>
#include <cstring>

namespace hdr::tensorfile {
using core::ErrorCode;
using core::throwError;

namespace {

// Walks the pickle's result depth-first, naming each tensor by its path of dict keys and list
// indices. Shared sub-objects are visited once per reference (tied weights get both names); the
// visit budget stops a small pickle of nested shared lists from unfolding exponentially.
class Flattener {
public:
    Flattener(std::size_t visitBudget, const TorchCheckpointLimits& limits)
        : m_budget(visitBudget)
        , m_limits(limits)
    {
    }

    void visit(const PickleValue& value, std::size_t depth)
    {
        if (m_budget-- == 0) {
            throwError(ErrorCode::LimitExceeded, "the checkpoint's containers unfold into too many objects");
        }
        if (depth > m_limits.maxNesting) {
            throwError(ErrorCode::LimitExceeded,
                       "the checkpoint nests containers deeper than " + std::to_string(m_limits.maxNesting) +
                           " levels");
        }
        if (value.is(PickleKind::Tensor)) {
            addEntry(*value.tensor);
        } else if (value.is(PickleKind::Dict)) {
            for (std::size_t i = 0; i + 1 < value.items.size(); i += 2) {
                const PickleValue& key = *value.items[i];
                const PickleValue& item = *value.items[i + 1];
                if (key.is(PickleKind::String)) {
                    descend(key.text, item, depth);
                } else if (key.is(PickleKind::Int)) {
                    descend(std::to_string(key.integer), item, depth);
                } else if (holdsData(item)) {
                    throwError(ErrorCode::UnsupportedFormat,
                               std::string("the checkpoint keys a tensor or container by a ") +
                                   nameOf(key.kind) + ", not a string",
                               m_name);
                }
            }
        } else if (value.is(PickleKind::List) || value.is(PickleKind::Tuple)) {
            for (std::size_t i = 0; i < value.items.size(); ++i) {
                descend(std::to_string(i), *value.items[i], depth);
            }
        }
    }

    std::vector<TorchTensorEntry> take() { return std::move(m_entries); }

private:
    static bool holdsData(const PickleValue& v)
    {
        return v.is(PickleKind::Tensor) || v.is(PickleKind::Dict) || v.is(PickleKind::List) ||
               v.is(PickleKind::Tuple);
    }

    void descend(const std::string& key, const PickleValue& item, std::size_t depth)
    {
        if (!holdsData(item)) {
            return; // numbers, strings, dtypes: not tensors
        }
        const std::size_t length = m_name.size();
        m_name += (length ? "." : "") + key;
        if (m_name.size() > m_limits.maxNameBytes) {
            throwError(ErrorCode::LimitExceeded,
                       "the checkpoint has a tensor name longer than " +
                           std::to_string(m_limits.maxNameBytes) + " bytes",
                       m_name.substr(0, 200) + "...");
        }
        visit(item, depth + 1);
        m_name.resize(length);
    }

    void addEntry(const TensorRef& t)
    {
        if (m_entries.size() >= m_limits.maxTensors) {
            throwError(ErrorCode::LimitExceeded,
                       "the checkpoint holds more than " + std::to_string(m_limits.maxTensors) + " tensors");
        }
        TorchTensorEntry& e = m_entries.emplace_back();
        e.name = m_name;
        e.dtype = t.dtype;
        e.shape = t.shape;
        e.strides = t.strides;
        e.storageOffset = t.storageOffset;
        e.storage = t.storage;
        e.byteOffset = t.byteOffset;
        e.requiresGrad = t.requiresGrad;
        e.isParameter = t.isParameter;
    }

    std::size_t m_budget;
    const TorchCheckpointLimits& m_limits;
    std::string m_name;
    std::vector<TorchTensorEntry> m_entries;
};

} // namespace

std::int64_t TorchTensorEntry::numel() const
{
    std::int64_t n = 1;
    for (auto d : shape) {
        n *= d;
    }
    return n;
}

std::uint64_t TorchTensorEntry::byteSize() const
{
    return static_cast<std::uint64_t>(numel()) * diffusion::elementSize(dtype);
}

bool TorchTensorEntry::isContiguous() const
{
    if (numel() == 0) {
        return true;
    }
    std::int64_t expected = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        if (shape[i] != 1) {
            if (strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
    }
    return true;
}

void TorchCheckpoint::collect(const PickleValue& root,
                              std::size_t arenaSize,
                              const TorchCheckpointLimits& limits)
{
    Flattener flattener(2 * arenaSize + 16, limits);
    flattener.visit(root, 0);
    m_entries = flattener.take();
    std::sort(
        m_entries.begin(), m_entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (std::size_t i = 1; i < m_entries.size(); ++i) {
        if (m_entries[i].name == m_entries[i - 1].name) {
            throwError(
                ErrorCode::CorruptData, "the checkpoint has two tensors of this name", m_entries[i].name);
        }
    }
    if (root.is(PickleKind::Dict)) {
        for (std::size_t i = 0; i + 1 < root.items.size(); i += 2) {
            if (root.items[i]->is(PickleKind::String)) {
                m_topLevelKeys.push_back(root.items[i]->text);
            }
        }
    }
}

core::Result<std::shared_ptr<TorchCheckpoint>> TorchCheckpoint::open(const std::filesystem::path& path,
                                                                     const TorchCheckpointLimits& limits)
{
    std::shared_ptr<TorchCheckpoint> file(new TorchCheckpoint());
    file->m_path = path;
    if (auto ok = file->m_storage.map(path, 1, "the file is empty, not a PyTorch checkpoint"); !ok) {
        return tl::unexpected(ok.error());
    }
    file->m_base = file->m_storage.data();
    file->m_size = file->m_storage.size();
    if (auto s = file->parse(limits); !s) {
        return tl::unexpected(locatedIn(s.error(), path));
    }
    return file;
}

core::Result<std::shared_ptr<TorchCheckpoint>> TorchCheckpoint::fromBytes(std::span<const std::byte> bytes,
                                                                          const TorchCheckpointLimits& limits)
{
    std::shared_ptr<TorchCheckpoint> file(new TorchCheckpoint());
    file->m_storage.copy(bytes);
    file->m_base = file->m_storage.data();
    file->m_size = file->m_storage.size();
    if (auto s = file->parse(limits); !s) {
        return tl::unexpected(s.error());
    }
    return file;
}

core::Status TorchCheckpoint::parse(const TorchCheckpointLimits& limits)
{
    m_maxCopyBytes = limits.maxCopyBytes;
    return core::guarded(ErrorCode::CorruptData, {}, [&] {
        if (ZipArchive::looksLikeZip({m_base, static_cast<std::size_t>(m_size)})) {
            m_format = TorchCheckpointFormat::Zip;
            parseZip(limits);
        } else {
            m_format = TorchCheckpointFormat::Legacy;
            parseLegacy(limits);
        }
    });
}

TorchCheckpoint::~TorchCheckpoint() = default;

const TorchTensorEntry* TorchCheckpoint::find(std::string_view name) const
{
    return findByName(m_entries, name);
}

std::span<const std::byte> TorchCheckpoint::storageBytes(const TorchStorage& storage) const
{
    return {m_base + storage.fileOffset, static_cast<std::size_t>(storage.byteSize)};
}

std::span<const std::byte> TorchCheckpoint::bytes(const TorchTensorEntry& entry) const
{
    if (!entry.isContiguous() || entry.numel() == 0) {
        return {};
    }
    return storageBytes(m_storages.at(entry.storage))
        .subspan(static_cast<std::size_t>(entry.byteOffset), static_cast<std::size_t>(entry.byteSize()));
}

core::Result<std::vector<std::byte>> TorchCheckpoint::contiguousCopy(const TorchTensorEntry& entry) const
{
    if (entry.byteSize() > m_maxCopyBytes) {
        return core::fail(ErrorCode::LimitExceeded,
                          "a contiguous copy of the tensor would take " + std::to_string(entry.byteSize()) +
                              " bytes, more than the limit of " + std::to_string(m_maxCopyBytes),
                          entry.name);
    }
    if (entry.isContiguous()) {
        const auto span = bytes(entry);
        return std::vector<std::byte>(span.begin(), span.end());
    }
    // Gathers rows of the innermost dimension, walking the outer indices like an odometer.
    std::vector<std::byte> out(static_cast<std::size_t>(entry.byteSize()));
    const std::size_t elementBytes = diffusion::elementSize(entry.dtype);
    const std::byte* base = storageBytes(m_storages.at(entry.storage)).data() + entry.byteOffset;
    const std::size_t rank = entry.shape.size();
    const auto rowLength = static_cast<std::size_t>(entry.shape[rank - 1]);
    const auto rowStride = static_cast<std::size_t>(entry.strides[rank - 1]) * elementBytes;
    std::vector<std::int64_t> index(rank, 0);
    std::byte* dst = out.data();
    const std::byte* const end = out.data() + out.size();
    while (dst < end) {
        std::size_t offset = 0;
        for (std::size_t d = 0; d + 1 < rank; ++d) {
            offset += static_cast<std::size_t>(index[d] * entry.strides[d]) * elementBytes;
        }
        for (std::size_t i = 0; i < rowLength; ++i, dst += elementBytes) {
            std::memcpy(dst, base + offset + i * rowStride, elementBytes);
        }
        for (std::size_t d = rank - 1; d-- > 0;) {
            if (++index[d] < entry.shape[d]) {
                break;
            }
            index[d] = 0;
        }
    }
    return out;
}

} // namespace hdr::tensorfile
