#include "tensorfile/PickleValue.h"

namespace hdr::tensorfile {

const char* nameOf(PickleKind kind)
{
    switch (kind) {
    case PickleKind::None: return "None";
    case PickleKind::Bool: return "bool";
    case PickleKind::Int: return "int";
    case PickleKind::BigInt: return "int";
    case PickleKind::Float: return "float";
    case PickleKind::String: return "str";
    case PickleKind::Bytes: return "bytes";
    case PickleKind::Tuple: return "tuple";
    case PickleKind::List: return "list";
    case PickleKind::Dict: return "dict";
    case PickleKind::Callable: return "callable";
    case PickleKind::StorageType: return "storage type";
    case PickleKind::DType: return "dtype";
    case PickleKind::Storage: return "storage";
    case PickleKind::Tensor: return "tensor";
    }
    return "?";
}

PickleValue* PickleArena::make(PickleKind kind)
{
    if (m_values.size() >= m_maxValues) {
        core::throwError(core::ErrorCode::LimitExceeded,
                         "the checkpoint's pickle builds more than " + std::to_string(m_maxValues) +
                             " objects, more than the limit");
    }
    PickleValue& value = m_values.emplace_back();
    value.kind = kind;
    return &value;
}

} // namespace hdr::tensorfile
