#include "tensorfile/TorchPickleHooks.h"

#include <limits>
#include <optional>

namespace hdr::tensorfile {
using core::ErrorCode;
using core::throwError;
using diffusion::TensorDType;

namespace {

constexpr const char* kOrderedDict = "collections.OrderedDict";
constexpr const char* kRebuildTensor = "torch._utils._rebuild_tensor";
constexpr const char* kRebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
constexpr const char* kRebuildTensorV3 = "torch._utils._rebuild_tensor_v3";
constexpr const char* kRebuildParameter = "torch._utils._rebuild_parameter";
constexpr const char* kRebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
constexpr const char* kRebuildFromType = "torch._tensor._rebuild_from_type_v2";
constexpr const char* kSize = "torch.Size";
constexpr const char* kTensorType = "torch.Tensor";
constexpr const char* kParameterType = "torch.nn.parameter.Parameter";

constexpr const char* kCallables[] = {kOrderedDict,
                                      kRebuildTensor,
                                      kRebuildTensorV2,
                                      kRebuildTensorV3,
                                      kRebuildParameter,
                                      kRebuildParameterWithState,
                                      kRebuildFromType,
                                      kSize,
                                      kTensorType,
                                      kParameterType};

struct NamedDType {
    const char* name;
    TensorDType dtype;
};
// Typed storage classes (torch.FloatStorage, torch.cuda.FloatStorage) by their prefix.
constexpr NamedDType kStorageTypes[] = {
    {"Double", TensorDType::F64},
    {"Float", TensorDType::F32},
    {"Half", TensorDType::F16},
    {"BFloat16", TensorDType::BF16},
    {"Long", TensorDType::I64},
    {"Int", TensorDType::I32},
    {"Short", TensorDType::I16},
    {"Char", TensorDType::I8},
    {"Byte", TensorDType::U8},
    {"Bool", TensorDType::Bool},
};
// torch dtypes as they pickle (torch.float32 -> GLOBAL 'torch float32').
constexpr NamedDType kDTypes[] = {
    {"float64", TensorDType::F64},
    {"double", TensorDType::F64},
    {"float32", TensorDType::F32},
    {"float", TensorDType::F32},
    {"float16", TensorDType::F16},
    {"half", TensorDType::F16},
    {"bfloat16", TensorDType::BF16},
    {"int64", TensorDType::I64},
    {"long", TensorDType::I64},
    {"int32", TensorDType::I32},
    {"int", TensorDType::I32},
    {"int16", TensorDType::I16},
    {"short", TensorDType::I16},
    {"int8", TensorDType::I8},
    {"uint8", TensorDType::U8},
    {"bool", TensorDType::Bool},
};

std::optional<TensorDType> storageDType(const std::string& module, const std::string& name)
{
    if (name == "UntypedStorage" && (module == "torch" || module == "torch.storage")) {
        return TensorDType::U8;
    }
    if (module != "torch" && module != "torch.cuda") {
        return std::nullopt;
    }
    for (const auto& s : kStorageTypes) {
        if (name == std::string(s.name) + "Storage") {
            return s.dtype;
        }
    }
    return std::nullopt;
}

[[noreturn]] void refuse(const std::string& what)
{
    throwError(ErrorCode::UnsupportedFormat, what);
}

std::int64_t intOf(const PickleValue& v, const char* role)
{
    if (!v.is(PickleKind::Int) && !v.is(PickleKind::Bool)) {
        throwError(ErrorCode::CorruptData,
                   std::string("the checkpoint gives a ") + nameOf(v.kind) + " as " + role + ", not an int");
    }
    return v.integer;
}

std::vector<std::int64_t> dimsOf(const PickleValue& v, const char* role, std::size_t maxRank)
{
    if (!v.is(PickleKind::Tuple) && !v.is(PickleKind::List)) {
        throwError(ErrorCode::CorruptData,
                   std::string("the checkpoint gives a ") + nameOf(v.kind) + " as " + role + ", not a tuple");
    }
    if (v.items.size() > maxRank) {
        throwError(ErrorCode::LimitExceeded,
                   "the checkpoint has a tensor of rank " + std::to_string(v.items.size()) +
                       ", more than the limit of " + std::to_string(maxRank));
    }
    std::vector<std::int64_t> dims;
    for (const PickleValue* d : v.items) {
        const std::int64_t n = intOf(*d, role);
        if (n < 0) {
            throwError(ErrorCode::CorruptData, std::string("the checkpoint has a negative tensor ") + role);
        }
        dims.push_back(n);
    }
    return dims;
}

std::string describeDims(const std::vector<std::int64_t>& dims)
{
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(dims[i]);
    }
    return s + "]";
}

const PickleValue& argument(const PickleValue& args, std::size_t index)
{
    return *args.items[index];
}

void expectArgs(const PickleValue& args, std::size_t min, std::size_t max, const char* callable)
{
    if (args.items.size() < min || args.items.size() > max) {
        throwError(ErrorCode::CorruptData,
                   std::string("the checkpoint calls ") + callable + " with " +
                       std::to_string(args.items.size()) + " arguments");
    }
}

} // namespace

PickleValue*
TorchPickleHooks::findGlobal(const std::string& module, const std::string& name, PickleArena& arena)
{
    const std::string qualified = module + "." + name;
    for (const char* callable : kCallables) {
        if (qualified == callable) {
            PickleValue* v = arena.make(PickleKind::Callable);
            v->text = qualified;
            return v;
        }
    }
    if (const auto dtype = storageDType(module, name)) {
        PickleValue* v = arena.make(PickleKind::StorageType);
        v->text = qualified;
        v->dtype = *dtype;
        return v;
    }
    if (module == "torch") {
        for (const auto& d : kDTypes) {
            if (name == d.name) {
                PickleValue* v = arena.make(PickleKind::DType);
                v->text = qualified;
                v->dtype = d.dtype;
                return v;
            }
        }
        if (name.ends_with("Storage") || name.starts_with("float8") || name.starts_with("uint") ||
            name.starts_with("complex") || name.starts_with("qint") || name.starts_with("quint")) {
            refuse("the checkpoint holds data of type '" + qualified +
                   "', which HDR Studio does not read (float64/32/16, bfloat16, int64/32/16/8, uint8, bool)");
        }
    }
    refuse("the checkpoint needs the Python object '" + qualified +
           "', which a weights-only reader cannot build (it reads tensors, numbers, strings and containers)");
}

PickleValue* TorchPickleHooks::call(const PickleValue& callable, const PickleValue& args, PickleArena& arena)
{
    if (!callable.is(PickleKind::Callable)) {
        refuse(std::string("the checkpoint calls a ") + nameOf(callable.kind) +
               (callable.text.empty() ? "" : " '" + callable.text + "'") +
               ", which a weights-only reader does not do");
    }
    const std::string& name = callable.text;
    if (name == kOrderedDict) {
        expectArgs(args, 0, 1, kOrderedDict);
        PickleValue* dict = arena.make(PickleKind::Dict);
        if (!args.items.empty()) {
            const PickleValue& pairs = argument(args, 0);
            if (!pairs.is(PickleKind::List) && !pairs.is(PickleKind::Tuple)) {
                throwError(ErrorCode::CorruptData,
                           "the checkpoint builds an OrderedDict from a non-sequence");
            }
            for (const PickleValue* pair : pairs.items) {
                if ((!pair->is(PickleKind::Tuple) && !pair->is(PickleKind::List)) ||
                    pair->items.size() != 2) {
                    throwError(ErrorCode::CorruptData, "the checkpoint builds an OrderedDict from non-pairs");
                }
                dict->items.push_back(pair->items[0]);
                dict->items.push_back(pair->items[1]);
            }
        }
        return dict;
    }
    if (name == kSize) {
        expectArgs(args, 1, 1, kSize);
        PickleValue* size = arena.make(PickleKind::Tuple);
        size->items = argument(args, 0).items;
        dimsOf(*size, "size", m_maxRank);
        return size;
    }
    if (name == kRebuildTensor) {
        return rebuildTensor(args, 4, false, arena);
    }
    if (name == kRebuildTensorV2) {
        expectArgs(args, 6, 7, kRebuildTensorV2);
        return rebuildTensor(args, args.items.size(), false, arena);
    }
    if (name == kRebuildTensorV3) {
        expectArgs(args, 7, 8, kRebuildTensorV3);
        return rebuildTensor(args, args.items.size(), true, arena);
    }
    if (name == kRebuildParameter || name == kRebuildParameterWithState || name == kParameterType) {
        // _rebuild_parameter(data, requires_grad, hooks[, state]); torch 0.4 pickled
        // Parameter(data, requires_grad) directly.
        return rebuildParameter(args, arena);
    }
    if (name == kRebuildFromType) {
        // _rebuild_from_type_v2(func, new_type, args, state): a Tensor or Parameter rebuilt by func.
        expectArgs(args, 4, 4, kRebuildFromType);
        const PickleValue& func = argument(args, 0);
        const PickleValue& type = argument(args, 1);
        const PickleValue& funcArgs = argument(args, 2);
        if (!type.is(PickleKind::Callable) || (type.text != kTensorType && type.text != kParameterType)) {
            refuse("the checkpoint rebuilds a tensor as the Python type '" + type.text +
                   "', which a weights-only reader cannot build");
        }
        if (!func.is(PickleKind::Callable) || func.text == kRebuildFromType ||
            !funcArgs.is(PickleKind::Tuple)) {
            throwError(ErrorCode::CorruptData,
                       "the checkpoint rebuilds a tensor subclass from a malformed call");
        }
        PickleValue* tensor = call(func, funcArgs, arena);
        if (!tensor->is(PickleKind::Tensor)) {
            throwError(ErrorCode::CorruptData, "the checkpoint rebuilds a tensor subclass from a non-tensor");
        }
        tensor->tensor->isParameter = tensor->tensor->isParameter || type.text == kParameterType;
        return tensor;
    }
    refuse("the checkpoint calls the Python object '" + name + "', which a weights-only reader does not do");
}

PickleValue* TorchPickleHooks::rebuildTensor(const PickleValue& args,
                                             std::size_t count,
                                             bool withDType,
                                             PickleArena& arena) const
{
    expectArgs(args, count, count, "a tensor rebuild function");
    const PickleValue& storage = argument(args, 0);
    if (!storage.is(PickleKind::Storage)) {
        throwError(ErrorCode::CorruptData,
                   std::string("the checkpoint rebuilds a tensor from a ") + nameOf(storage.kind) +
                       ", not a storage");
    }
    const StorageRef& ref = *storage.storage;
    auto t = std::make_unique<TensorRef>();
    t->storage = ref.index;
    t->dtype = ref.dtype;
    if (withDType) {
        const PickleValue& dtype = argument(args, 6);
        if (!dtype.is(PickleKind::DType)) {
            throwError(ErrorCode::CorruptData,
                       "the checkpoint gives a tensor a dtype that is not a torch dtype");
        }
        t->dtype = dtype.dtype;
    }
    t->storageOffset = intOf(argument(args, 1), "storage offset");
    t->shape = dimsOf(argument(args, 2), "size", m_maxRank);
    t->strides = dimsOf(argument(args, 3), "stride", m_maxRank);
    t->requiresGrad = count > 4 && intOf(argument(args, 4), "requires_grad") != 0;
    const auto describe = [&] {
        return "a tensor of shape " + describeDims(t->shape) + " (strides " + describeDims(t->strides) +
               ", offset " + std::to_string(t->storageOffset) + ") in storage '" + ref.key + "' (" +
               std::to_string(ref.viewBytes) + " bytes)";
    };
    if (t->strides.size() != t->shape.size() || t->storageOffset < 0) {
        throwError(ErrorCode::CorruptData,
                   "the checkpoint has malformed strides or offset for " + describe());
    }
    // The last byte the view reaches: (offset + sum((size - 1) * stride) + 1) * element size.
    const std::uint64_t elementBytes = diffusion::elementSize(t->dtype);
    std::uint64_t last = static_cast<std::uint64_t>(t->storageOffset);
    std::uint64_t numel = 1;
    bool overflow = false;
    for (std::size_t i = 0; i < t->shape.size(); ++i) {
        const auto size = static_cast<std::uint64_t>(t->shape[i]);
        std::uint64_t reach = 0;
        overflow = overflow || __builtin_mul_overflow(numel, size, &numel);
        if (size > 0) {
            overflow = overflow ||
                       __builtin_mul_overflow(size - 1, static_cast<std::uint64_t>(t->strides[i]), &reach) ||
                       __builtin_add_overflow(last, reach, &last);
        }
    }
    std::uint64_t endElement = static_cast<std::uint64_t>(t->storageOffset); // an empty view reaches nothing
    std::uint64_t endByte = 0;
    std::uint64_t denseBytes = 0;
    overflow = overflow || numel > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
               __builtin_mul_overflow(numel, elementBytes, &denseBytes) ||
               (numel > 0 && __builtin_add_overflow(last, 1, &endElement)) ||
               __builtin_mul_overflow(endElement, elementBytes, &endByte) ||
               __builtin_add_overflow(ref.viewByteOffset,
                                      static_cast<std::uint64_t>(t->storageOffset) * elementBytes,
                                      &t->byteOffset);
    if (overflow || endByte > ref.viewBytes) {
        throwError(ErrorCode::CorruptData, describe() + " reaches past the end of its storage");
    }
    PickleValue* v = arena.make(PickleKind::Tensor);
    v->tensor = std::move(t);
    return v;
}

PickleValue* TorchPickleHooks::rebuildParameter(const PickleValue& args, PickleArena& arena) const
{
    expectArgs(args, 1, 4, kRebuildParameter);
    const PickleValue& data = argument(args, 0);
    if (!data.is(PickleKind::Tensor)) {
        throwError(ErrorCode::CorruptData,
                   std::string("the checkpoint builds a Parameter from a ") + nameOf(data.kind));
    }
    PickleValue* v = arena.make(PickleKind::Tensor);
    v->tensor = std::make_unique<TensorRef>(*data.tensor);
    v->tensor->requiresGrad = args.items.size() < 2 || intOf(argument(args, 1), "requires_grad") != 0;
    v->tensor->isParameter = true;
    return v;
}

PickleValue* TorchPickleHooks::newObject(const PickleValue& cls, const PickleValue& args, PickleArena& arena)
{
    if (cls.is(PickleKind::Callable) && cls.text == kOrderedDict && args.items.empty()) {
        return arena.make(PickleKind::Dict);
    }
    refuse("the checkpoint creates an object of the Python type '" +
           (cls.text.empty() ? std::string(nameOf(cls.kind)) : cls.text) +
           "', which a weights-only reader cannot build");
}

void TorchPickleHooks::build(PickleValue& object, const PickleValue& state)
{
    // An OrderedDict's state is its attributes (a state dict's `_metadata` versions); a tensor's
    // is Python-side attributes of subclasses. Neither changes the tensor data, so both are dropped.
    const bool plainState =
        state.is(PickleKind::Dict) || state.is(PickleKind::None) || state.is(PickleKind::Tuple);
    if ((object.is(PickleKind::Dict) || object.is(PickleKind::Tensor)) && plainState) {
        return;
    }
    refuse(std::string("the checkpoint sets the state of a ") + nameOf(object.kind) + " from a " +
           nameOf(state.kind) + ", which a weights-only reader does not do");
}

StorageId parseStorageId(const PickleValue& pid)
{
    const auto malformed = [] {
        throwError(ErrorCode::CorruptData,
                   "the checkpoint has a malformed storage reference (expected ('storage', type, key, "
                   "location, numel))");
    };
    if (!pid.is(PickleKind::Tuple) || pid.items.size() < 5 || pid.items.size() > 6 ||
        !pid.items[0]->is(PickleKind::String) || pid.items[0]->text != "storage" ||
        !pid.items[2]->is(PickleKind::String) || !pid.items[3]->is(PickleKind::String) ||
        !pid.items[4]->is(PickleKind::Int) || pid.items[4]->integer < 0) {
        malformed();
    }
    if (!pid.items[1]->is(PickleKind::StorageType)) {
        throwError(ErrorCode::CorruptData,
                   std::string("the checkpoint gives a ") + nameOf(pid.items[1]->kind) +
                       " as a storage type");
    }
    StorageId id;
    id.dtype = pid.items[1]->dtype;
    id.key = pid.items[2]->text;
    id.location = pid.items[3]->text;
    id.numel = static_cast<std::uint64_t>(pid.items[4]->integer);
    if (pid.items.size() == 6 && !pid.items[5]->is(PickleKind::None)) {
        const PickleValue& view = *pid.items[5];
        if (!view.is(PickleKind::Tuple) || view.items.size() != 3 || !view.items[0]->is(PickleKind::String) ||
            !view.items[1]->is(PickleKind::Int) || !view.items[2]->is(PickleKind::Int) ||
            view.items[1]->integer < 0 || view.items[2]->integer < 0) {
            malformed();
        }
        id.isView = true;
        id.viewOffset = static_cast<std::uint64_t>(view.items[1]->integer);
        id.viewNumel = static_cast<std::uint64_t>(view.items[2]->integer);
    }
    return id;
}

PickleValue* TorchPickleHooks::persistentLoad(const PickleValue& pid, PickleArena& arena)
{
    if (!m_loader) {
        throwError(ErrorCode::CorruptData, "the checkpoint refers to a storage where none can be");
    }
    return m_loader(pid, arena);
}

} // namespace hdr::tensorfile
