#pragma once
// A weights-only pickle machine: the opcodes of protocols 2 to 5 that state dicts use (containers,
// numbers, strings, memo, persistent ids), and nothing that runs code. Every global a pickle names,
// every call (REDUCE / NEWOBJ) and every BUILD goes through PickleHooks, which builds only what its
// allow-list knows and refuses the rest by name, as PyTorch's weights_only unpickler
// (torch/_weights_only_unpickler.py) does. Opcode meanings follow Python's Lib/pickletools.py.
//
// The pickle is untrusted: every length is checked against the bytes left, the stack, memo and
// mark stack hold only what the arena can, and an unknown opcode is an error naming its offset.
// These functions throw core::HdrError; TorchCheckpoint turns that into a Result.
#include "tensorfile/PickleValue.h"

#include <cstddef>
#include <span>
#include <string>

namespace hdr::tensorfile {

class PickleHooks {
public:
    virtual ~PickleHooks() = default;
    // GLOBAL / STACK_GLOBAL: the object `module.name`, or an error naming it.
    virtual PickleValue*
    findGlobal(const std::string& module, const std::string& name, PickleArena& arena) = 0;
    // REDUCE: callable(*args), args a tuple.
    virtual PickleValue* call(const PickleValue& callable, const PickleValue& args, PickleArena& arena) = 0;
    // NEWOBJ / NEWOBJ_EX (without keyword arguments): cls.__new__(cls, *args).
    virtual PickleValue* newObject(const PickleValue& cls, const PickleValue& args, PickleArena& arena) = 0;
    // BUILD: object.__setstate__(state).
    virtual void build(PickleValue& object, const PickleValue& state) = 0;
    // BINPERSID: what the persistent id names (a storage, for torch).
    virtual PickleValue* persistentLoad(const PickleValue& pid, PickleArena& arena) = 0;
};

struct PickleResult {
    PickleValue* value = nullptr;
    std::size_t consumed = 0; // bytes up to and including STOP
};

// Runs the pickle at the start of `bytes` up to its STOP. `name` is used in messages ("data.pkl").
PickleResult
runPickle(std::span<const std::byte> bytes, PickleArena& arena, PickleHooks& hooks, const std::string& name);

} // namespace hdr::tensorfile
