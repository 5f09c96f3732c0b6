#pragma once
// Hand-made pickles, legacy checkpoints and zip archives for the hostile-input tests: each piece is
// written byte by byte (Python's Lib/pickletools.py names the opcodes; PKWARE APPNOTE.TXT the zip
// records), so a test can make exactly the damage it wants to check.
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::test {

class PickleBuilder {
public:
    PickleBuilder& proto(int version = 2) { return op(0x80).byte(version); }
    PickleBuilder& op(int code) { return byte(code); }
    PickleBuilder& byte(int value)
    {
        m_bytes.push_back(static_cast<char>(value));
        return *this;
    }
    PickleBuilder& little(std::uint64_t value, int bytes)
    {
        for (int i = 0; i < bytes; ++i) {
            byte(static_cast<int>((value >> (8 * i)) & 0xff));
        }
        return *this;
    }
    PickleBuilder& raw(std::string_view s)
    {
        m_bytes += s;
        return *this;
    }
    PickleBuilder& str(std::string_view s) { return op('X').little(s.size(), 4).raw(s); }
    PickleBuilder& integer(std::int64_t v)
    {
        if (v >= INT32_MIN && v <= INT32_MAX) {
            return op('J').little(static_cast<std::uint32_t>(v), 4); // BININT
        }
        return op(0x8a).byte(8).little(static_cast<std::uint64_t>(v), 8); // LONG1
    }
    PickleBuilder& global(std::string_view module, std::string_view name)
    {
        return op('c').raw(module).raw("\n").raw(name).raw("\n");
    }
    PickleBuilder& ints(const std::vector<std::int64_t>& values)
    {
        op('(');
        for (auto v : values) {
            integer(v);
        }
        return op('t');
    }
    PickleBuilder& stop() { return op('.'); }
    const std::string& bytes() const { return m_bytes; }

private:
    std::string m_bytes;
};

struct TensorSpec {
    std::string name = "w";
    std::string storageKey = "0";
    std::string storageType = "FloatStorage";
    std::int64_t storageNumel = 4;
    std::int64_t offset = 0;
    std::vector<std::int64_t> shape{4};
    std::vector<std::int64_t> strides{1};
};

// Pushes _rebuild_tensor_v2(storage, offset, shape, strides, False, OrderedDict()); legacy
// persistent ids carry a sixth item (view metadata, None here).
inline PickleBuilder& pushTensor(PickleBuilder& p, const TensorSpec& t, bool legacy)
{
    p.global("torch._utils", "_rebuild_tensor_v2").op('(');
    p.op('(')
        .str("storage")
        .global("torch", t.storageType)
        .str(t.storageKey)
        .str("cpu")
        .integer(t.storageNumel);
    if (legacy) {
        p.op('N');
    }
    p.op('t').op('Q').integer(t.offset).ints(t.shape).ints(t.strides).op(0x89);
    return p.global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
}

// {name: tensor}
inline std::string tensorDictPickle(const TensorSpec& t, bool legacy)
{
    PickleBuilder p;
    p.proto().op('}').str(t.name);
    return pushTensor(p, t, legacy).op('s').stop().bytes();
}

// A legacy (torch < 1.6) file: magic, protocol 1001, sys_info, main pickle, key list, storages
// (each an int64 element count and its bytes).
inline std::string legacyFile(const std::string& mainPickle,
                              const std::vector<std::pair<std::string, std::string>>& storages,
                              std::size_t elementSize = 4)
{
    PickleBuilder header;
    header.proto().op(0x8a).byte(10).raw("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19").stop();
    header.proto().op('M').little(1001, 2).stop();
    header.proto().op('}').str("little_endian").op(0x88).op('s').stop();
    header.raw(mainPickle);
    header.proto().op(']').op('(');
    for (const auto& s : storages) {
        header.str(s.first);
    }
    header.op('e').stop();
    for (const auto& s : storages) {
        header.little(s.second.size() / elementSize, 8).raw(s.second);
    }
    return header.bytes();
}

struct ZipFileSpec {
    std::string name;
    std::string data;
    int method = 0;
};

// Stored entries, no CRC (the reader does not check it), optionally with Zip64 records.
inline std::string zipArchive(const std::vector<ZipFileSpec>& files, bool zip64 = false)
{
    PickleBuilder out; // used as a little-endian byte writer
    std::vector<std::uint64_t> offsets;
    for (const auto& f : files) {
        offsets.push_back(out.bytes().size());
        out.little(0x04034b50, 4).little(20, 2).little(0, 2).little(f.method, 2).little(0, 8);
        out.little(f.data.size(), 4).little(f.data.size(), 4).little(f.name.size(), 2).little(0, 2);
        out.raw(f.name).raw(f.data);
    }
    const std::uint64_t directory = out.bytes().size();
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& f = files[i];
        const std::uint64_t small = zip64 ? 0xffffffffu : f.data.size();
        out.little(0x02014b50, 4).little(45, 2).little(45, 2).little(0, 2).little(f.method, 2).little(0, 8);
        out.little(small, 4).little(small, 4).little(f.name.size(), 2).little(zip64 ? 28 : 0, 2);
        out.little(0, 2).little(0, 2).little(0, 2).little(0, 4).little(zip64 ? 0xffffffffu : offsets[i], 4);
        out.raw(f.name);
        if (zip64) {
            out.little(1, 2)
                .little(24, 2)
                .little(f.data.size(), 8)
                .little(f.data.size(), 8)
                .little(offsets[i], 8);
        }
    }
    const std::uint64_t directorySize = out.bytes().size() - directory;
    if (zip64) {
        const std::uint64_t record = out.bytes().size();
        out.little(0x06064b50, 4).little(44, 8).little(45, 2).little(45, 2).little(0, 4).little(0, 4);
        out.little(files.size(), 8).little(files.size(), 8).little(directorySize, 8).little(directory, 8);
        out.little(0x07064b50, 4).little(0, 4).little(record, 8).little(1, 4);
    }
    out.little(0x06054b50, 4).little(0, 4).little(zip64 ? 0xffff : files.size(), 2);
    out.little(zip64 ? 0xffff : files.size(), 2).little(zip64 ? 0xffffffffu : directorySize, 4);
    out.little(zip64 ? 0xffffffffu : directory, 4).little(0, 2);
    return out.bytes();
}

// A zip checkpoint "archive/..." with data.pkl, version and the given storages.
inline std::string zipCheckpoint(const std::string& pickle,
                                 const std::vector<std::pair<std::string, std::string>>& storages,
                                 bool zip64 = false,
                                 int storageMethod = 0)
{
    std::vector<ZipFileSpec> files{{"archive/data.pkl", pickle}};
    for (const auto& s : storages) {
        files.push_back({"archive/data/" + s.first, s.second, storageMethod});
    }
    files.push_back({"archive/version", "3\n"});
    return zipArchive(files, zip64);
}

inline std::string floats(const std::vector<float>& values)
{
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

} // namespace hdr::test
