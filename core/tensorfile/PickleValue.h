#pragma once
// The objects the weights-only pickle machine can build: Python's plain values and containers,
// the names of allow-listed globals, and the torch objects a state dict holds (storage references
// and tensors rebuilt from them). Values live in a PickleArena and refer to each other by plain
// pointers, so the cycles a pickle can make (a list holding itself) cost no leaks or ownership
// puzzles: everything goes when the arena does.
#include "common/Error.h"
#include "tensorfile/Safetensors.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace hdr::tensorfile {

enum class PickleKind {
    None,
    Bool,
    Int,
    BigInt, // more than 64 bits (the legacy format's magic number)
    Float,
    String,
    Bytes,
    Tuple,
    List,
    Dict,
    Callable,    // an allow-listed function or class (collections.OrderedDict, torch._utils._rebuild_...)
    StorageType, // torch.FloatStorage, torch.cuda.HalfStorage, torch.UntypedStorage, ...
    DType,       // torch.float32, ...
    Storage,     // what a persistent id resolves to
    Tensor,
};

const char* nameOf(PickleKind kind);

// A storage (or, in the legacy format, a view of one) as a persistent id names it.
struct StorageRef {
    std::size_t index = 0; // into the checkpoint's storage table
    std::string key;       // for messages: "data/3" or the legacy root key
    diffusion::TensorDType dtype = diffusion::TensorDType::U8;
    std::uint64_t viewByteOffset = 0; // where the view starts inside the storage
    std::uint64_t viewBytes = 0;      // bytes the view (or whole storage) holds
};

struct TensorRef {
    std::size_t storage = 0;
    diffusion::TensorDType dtype = diffusion::TensorDType::F32;
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides; // in elements
    std::int64_t storageOffset = 0;    // in elements, as the pickle gives it
    std::uint64_t byteOffset = 0;      // of element [0, ..., 0] from the start of the storage
    bool requiresGrad = false;
    bool isParameter = false;
};

struct PickleValue {
    PickleKind kind = PickleKind::None;
    std::int64_t integer = 0;        // Int, Bool
    double real = 0;                 // Float
    std::string text;                // String (UTF-8), Bytes, BigInt (little-endian two's complement),
                                     // Callable / StorageType / DType ("module.name")
    std::vector<PickleValue*> items; // Tuple, List; Dict as key, value, key, value, ...
    diffusion::TensorDType dtype = diffusion::TensorDType::U8; // StorageType, DType
    std::unique_ptr<StorageRef> storage;                       // Storage
    std::unique_ptr<TensorRef> tensor;                         // Tensor

    bool is(PickleKind k) const { return kind == k; }
    std::size_t dictSize() const { return items.size() / 2; }
};

// Owns every value one checkpoint's pickles build, up to a count fixed at construction.
class PickleArena {
public:
    explicit PickleArena(std::size_t maxValues)
        : m_maxValues(maxValues)
    {
    }
    PickleArena(const PickleArena&) = delete;
    PickleArena& operator=(const PickleArena&) = delete;

    // Throws LimitExceeded once the count is reached.
    PickleValue* make(PickleKind kind);
    std::size_t size() const { return m_values.size(); }
    std::size_t maxValues() const { return m_maxValues; }

private:
    std::size_t m_maxValues;
    std::deque<PickleValue> m_values;
};

} // namespace hdr::tensorfile
