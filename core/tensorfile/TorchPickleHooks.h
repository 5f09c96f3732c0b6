#pragma once
// The allow-list of a weights-only torch checkpoint reader: the Python globals a state dict's
// pickle may name (collections.OrderedDict, torch._utils._rebuild_tensor*, _rebuild_parameter*,
// torch._tensor._rebuild_from_type_v2, torch.Size, torch.nn.Parameter, the typed storage classes
// and torch dtypes)
// and what calling them builds. Anything else is refused with its name, like PyTorch's
// weights_only unpickler (torch/_weights_only_unpickler.py). Every rebuilt tensor is checked
// against its storage: its shape and strides must not reach past the storage's end.
#include "tensorfile/PickleMachine.h"

#include <functional>

namespace hdr::tensorfile {

// A persistent id as torch.save writes it: ('storage', storage_type, key, location, numel) in zip
// archives, plus view_metadata (None or (view_key, offset, view_numel)) in the legacy format.
struct StorageId {
    diffusion::TensorDType dtype = diffusion::TensorDType::U8;
    std::string key;
    std::string location;
    std::uint64_t numel = 0;
    bool isView = false;
    std::uint64_t viewOffset = 0; // in elements
    std::uint64_t viewNumel = 0;
};
StorageId parseStorageId(const PickleValue& pid);

class TorchPickleHooks : public PickleHooks {
public:
    // Resolves a persistent id (the tuple ('storage', storage_type, key, location, numel, ...)) to a
    // Storage value; without one, any persistent id is refused.
    using PersistentLoader = std::function<PickleValue*(const PickleValue& pid, PickleArena& arena)>;

    explicit TorchPickleHooks(PersistentLoader loader = {}, std::size_t maxRank = 16)
        : m_loader(std::move(loader))
        , m_maxRank(maxRank)
    {
    }

    PickleValue* findGlobal(const std::string& module, const std::string& name, PickleArena& arena) override;
    PickleValue* call(const PickleValue& callable, const PickleValue& args, PickleArena& arena) override;
    PickleValue* newObject(const PickleValue& cls, const PickleValue& args, PickleArena& arena) override;
    void build(PickleValue& object, const PickleValue& state) override;
    PickleValue* persistentLoad(const PickleValue& pid, PickleArena& arena) override;

private:
    PickleValue*
    rebuildTensor(const PickleValue& args, std::size_t count, bool withDType, PickleArena& arena) const;
    PickleValue* rebuildParameter(const PickleValue& args, PickleArena& arena) const;

    PersistentLoader m_loader;
    std::size_t m_maxRank;
};

} // namespace hdr::tensorfile
