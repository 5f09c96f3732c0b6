// The two layouts of torch.save (torch/serialization.py: _save and _legacy_save) and how their
// persistent ids find the storage bytes.
#include "tensorfile/TorchCheckpoint.h"

#include "tensorfile/LittleEndian.h"
#include "tensorfile/TorchPickleHooks.h"
#include "tensorfile/ZipArchive.h"

#include <cstring>
#include <unordered_map>

namespace hdr::tensorfile {
using core::ErrorCode;
using core::throwError;

namespace {

// The magic number 0x1950a86a20f9469cfc6c as a pickled int: ten little-endian bytes.
constexpr unsigned char kLegacyMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr std::int64_t kLegacyProtocol = 1001;
constexpr std::uint64_t kUnplaced = ~std::uint64_t{0};

// Storages by key. The first reference declares type and size; later ones must agree.
class StorageTable {
public:
    StorageTable(std::vector<TorchStorage>& storages, std::uint64_t fileSize)
        : m_storages(storages)
        , m_fileSize(fileSize)
    {
    }

    // Returns the storage's index and whether this is its first reference.
    std::pair<std::size_t, bool> add(const StorageId& id)
    {
        const std::uint64_t elementBytes = diffusion::elementSize(id.dtype);
        std::uint64_t bytes = 0;
        if (__builtin_mul_overflow(id.numel, elementBytes, &bytes) || bytes > m_fileSize) {
            throwError(ErrorCode::CorruptData,
                       "storage declares " + std::to_string(id.numel) + " elements of " +
                           diffusion::nameOf(id.dtype) + ", more than the " + std::to_string(m_fileSize) +
                           "-byte file holds (truncated or corrupt file?)",
                       id.key);
        }
        const auto [it, added] = m_byKey.emplace(id.key, m_storages.size());
        if (added) {
            m_storages.push_back(TorchStorage{id.key, id.location, id.dtype, kUnplaced, bytes});
        } else if (m_storages[it->second].dtype != id.dtype || m_storages[it->second].byteSize != bytes) {
            throwError(
                ErrorCode::CorruptData, "storage is referred to with two different types or sizes", id.key);
        }
        return {it->second, added};
    }

    const std::size_t* find(const std::string& key) const
    {
        const auto it = m_byKey.find(key);
        return it == m_byKey.end() ? nullptr : &it->second;
    }

    // The Storage value a persistent id resolves to: the whole storage or a legacy view of it.
    PickleValue* reference(const StorageId& id, std::size_t index, PickleArena& arena) const
    {
        const std::uint64_t elementBytes = diffusion::elementSize(id.dtype);
        auto ref = std::make_unique<StorageRef>();
        ref->index = index;
        ref->key = id.key;
        ref->dtype = id.dtype;
        ref->viewBytes = m_storages[index].byteSize;
        if (id.isView) {
            if (id.viewOffset > id.numel || id.viewNumel > id.numel - id.viewOffset) {
                throwError(
                    ErrorCode::CorruptData, "storage view reaches past the end of its storage", id.key);
            }
            ref->viewByteOffset = id.viewOffset * elementBytes;
            ref->viewBytes = id.viewNumel * elementBytes;
        }
        PickleValue* v = arena.make(PickleKind::Storage);
        v->storage = std::move(ref);
        return v;
    }

private:
    std::vector<TorchStorage>& m_storages;
    std::uint64_t m_fileSize;
    std::unordered_map<std::string, std::size_t> m_byKey;
};

std::span<const std::byte> stored(const ZipArchive& archive, const ZipEntry& entry)
{
    auto bytes = archive.storedBytes(entry);
    if (!bytes) {
        throw core::HdrError(bytes.error());
    }
    return *bytes;
}

const PickleValue* dictValue(const PickleValue& dict, const std::string& key)
{
    for (std::size_t i = 0; i + 1 < dict.items.size(); i += 2) {
        if (dict.items[i]->is(PickleKind::String) && dict.items[i]->text == key) {
            return dict.items[i + 1];
        }
    }
    return nullptr;
}

} // namespace

void TorchCheckpoint::parseZip(const TorchCheckpointLimits& limits)
{
    const std::span<const std::byte> file(m_base, static_cast<std::size_t>(m_size));
    auto parsed = ZipArchive::parse(file, limits.maxTensors + 64);
    if (!parsed) {
        throw core::HdrError(parsed.error());
    }
    const ZipArchive& archive = *parsed;
    // Like torch's PyTorchStreamReader, the folder of the first entry names the archive.
    const std::string first = archive.entries().empty() ? std::string() : archive.entries().front().name;
    const std::string prefix = first.substr(0, first.find('/')) + "/";
    const ZipEntry* pickle = archive.find(prefix + "data.pkl");
    if (!pickle) {
        if (archive.find(prefix + "constants.pkl")) {
            throwError(ErrorCode::UnsupportedFormat,
                       "this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint");
        }
        throwError(ErrorCode::UnsupportedFormat,
                   "this zip archive is not a PyTorch checkpoint (it has no " + prefix + "data.pkl)");
    }
    if (const ZipEntry* order = archive.find(prefix + "byteorder")) {
        const auto bytes = stored(archive, *order);
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        if (text == "big") {
            throwError(ErrorCode::UnsupportedFormat,
                       "the checkpoint was saved on a big-endian machine; re-save it on a little-endian one",
                       order->name);
        }
        if (text != "little") {
            throwError(ErrorCode::CorruptData, "the checkpoint names an unknown byte order", order->name);
        }
    }
    if (pickle->size > limits.maxPickleBytes) {
        throwError(ErrorCode::LimitExceeded,
                   "the checkpoint's pickle has " + std::to_string(pickle->size) +
                       " bytes, more than the limit",
                   pickle->name);
    }
    StorageTable table(m_storages, m_size);
    TorchPickleHooks hooks(
        [&](const PickleValue& pid, PickleArena& arena) {
            StorageId id = parseStorageId(pid);
            const std::string entryName = prefix + "data/" + id.key;
            id.key = "data/" + id.key;
            const auto [index, added] = table.add(id);
            if (added) {
                const ZipEntry* entry = archive.find(entryName);
                if (!entry) {
                    throwError(ErrorCode::CorruptData,
                               "the checkpoint refers to a storage the archive lacks",
                               id.key);
                }
                if (stored(archive, *entry).size() < m_storages[index].byteSize) {
                    throwError(ErrorCode::CorruptData,
                               "storage declares " + std::to_string(m_storages[index].byteSize) +
                                   " bytes but the archive holds " + std::to_string(entry->size) +
                                   " (truncated or corrupt file?)",
                               id.key);
                }
                m_storages[index].fileOffset = entry->dataOffset;
            }
            return table.reference(id, index, arena);
        },
        limits.maxRank);
    PickleArena arena(limits.maxPickleValues);
    const PickleValue* root = runPickle(stored(archive, *pickle), arena, hooks, pickle->name).value;
    collect(*root, arena.size(), limits);
}

void TorchCheckpoint::parseLegacy(const TorchCheckpointLimits& limits)
{
    const std::span<const std::byte> file(m_base, static_cast<std::size_t>(m_size));
    PickleArena arena(limits.maxPickleValues);
    TorchPickleHooks plain({}, limits.maxRank);
    std::size_t pos = 0;
    const auto next = [&](PickleHooks& hooks, const std::string& what) {
        const PickleResult result = runPickle(file.subspan(pos), arena, hooks, what);
        pos += result.consumed;
        return result.value;
    };
    // Anything that does not start with the magic number is not a legacy checkpoint at all.
    const PickleValue* magic = nullptr;
    try {
        magic = next(plain, "the legacy header");
    } catch (const core::HdrError&) {
    }
    if (!magic || !magic->is(PickleKind::BigInt) || magic->text.size() != sizeof kLegacyMagic ||
        std::memcmp(magic->text.data(), kLegacyMagic, sizeof kLegacyMagic) != 0) {
        throwError(ErrorCode::UnsupportedFormat,
                   "not a PyTorch checkpoint (neither a zip archive nor the legacy format's magic number)");
    }
    const PickleValue* protocol = next(plain, "the legacy header");
    if (!protocol->is(PickleKind::Int) || protocol->integer != kLegacyProtocol) {
        throwError(ErrorCode::UnsupportedFormat, "the legacy checkpoint has an unknown protocol version");
    }
    const PickleValue* sysInfo = next(plain, "the legacy header");
    const PickleValue* littleEndian =
        sysInfo->is(PickleKind::Dict) ? dictValue(*sysInfo, "little_endian") : nullptr;
    if (littleEndian && littleEndian->is(PickleKind::Bool) && littleEndian->integer == 0) {
        throwError(ErrorCode::UnsupportedFormat,
                   "the checkpoint was saved on a big-endian machine; re-save it on a little-endian one");
    }
    StorageTable table(m_storages, m_size);
    TorchPickleHooks hooks(
        [&](const PickleValue& pid, PickleArena& valueArena) {
            const StorageId id = parseStorageId(pid);
            return table.reference(id, table.add(id).first, valueArena);
        },
        limits.maxRank);
    const PickleValue* root = next(hooks, "the legacy main pickle");
    const PickleValue* keys = next(plain, "the legacy storage list");
    if (!keys->is(PickleKind::List) || keys->items.size() > m_storages.size()) {
        throwError(ErrorCode::CorruptData, "the legacy checkpoint's storage key list is malformed");
    }
    // Each storage: an int64 element count, then its bytes, in the order of the key list.
    for (const PickleValue* key : keys->items) {
        const std::size_t* index = key->is(PickleKind::String) ? table.find(key->text) : nullptr;
        if (!index) {
            throwError(ErrorCode::CorruptData,
                       "the legacy storage list names a storage the pickle never uses");
        }
        TorchStorage& storage = m_storages[*index];
        if (storage.fileOffset != kUnplaced || m_size - pos < 8) {
            throwError(ErrorCode::CorruptData,
                       "storage is listed twice or its data is missing (truncated file?)",
                       storage.key);
        }
        const std::uint64_t count = readU64(m_base + pos);
        std::uint64_t bytes = 0;
        pos += 8;
        if (__builtin_mul_overflow(count, diffusion::elementSize(storage.dtype), &bytes) ||
            bytes > m_size - pos || bytes < storage.byteSize) {
            throwError(ErrorCode::CorruptData,
                       "storage's data (" + std::to_string(count) +
                           " elements) does not fit the file or is "
                           "smaller than the pickle declares (truncated file?)",
                       storage.key);
        }
        storage.fileOffset = pos;
        pos += static_cast<std::size_t>(bytes);
    }
    for (const TorchStorage& storage : m_storages) {
        if (storage.fileOffset == kUnplaced) {
            throwError(
                ErrorCode::CorruptData, "storage has no data in the file (truncated file?)", storage.key);
        }
    }
    collect(*root, arena.size(), limits);
}

} // namespace hdr::tensorfile
