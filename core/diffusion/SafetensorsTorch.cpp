#include "diffusion/SafetensorsTorch.h"

#include "common/AtomicFile.h"

#include <nlohmann/json.hpp>

#include <cstring>

namespace hdr::diffusion {
using core::ErrorCode;

at::ScalarType scalarTypeOf(TensorDType dtype)
{
    switch (dtype) {
    case TensorDType::F64: return at::kDouble;
    case TensorDType::F32: return at::kFloat;
    case TensorDType::F16: return at::kHalf;
    case TensorDType::BF16: return at::kBFloat16;
    case TensorDType::I64: return at::kLong;
    case TensorDType::I32: return at::kInt;
    case TensorDType::I16: return at::kShort;
    case TensorDType::I8: return at::kChar;
    case TensorDType::U8: return at::kByte;
    case TensorDType::Bool: return at::kBool;
    }
    return at::kFloat;
}

core::Result<TensorDType> safetensorsDTypeOf(at::ScalarType type)
{
    switch (type) {
    case at::kDouble: return TensorDType::F64;
    case at::kFloat: return TensorDType::F32;
    case at::kHalf: return TensorDType::F16;
    case at::kBFloat16: return TensorDType::BF16;
    case at::kLong: return TensorDType::I64;
    case at::kInt: return TensorDType::I32;
    case at::kShort: return TensorDType::I16;
    case at::kChar: return TensorDType::I8;
    case at::kByte: return TensorDType::U8;
    case at::kBool: return TensorDType::Bool;
    default:
        return core::fail(ErrorCode::InvalidArgument,
                          std::string("safetensors cannot store dtype ") + c10::toString(type));
    }
}

at::Tensor tensorOf(const std::shared_ptr<SafetensorsFile>& file, const SafetensorsEntry& entry)
{
    const auto bytes = file->bytes(entry);
    // The mapping is private copy-on-write, so handing out a mutable pointer cannot change the file.
    auto* data = const_cast<std::byte*>(bytes.data());
    const auto options = at::TensorOptions().dtype(scalarTypeOf(entry.dtype)).device(at::kCPU);
    const bool aligned = reinterpret_cast<std::uintptr_t>(data) % elementSize(entry.dtype) == 0;
    if (aligned && !bytes.empty()) {
        std::shared_ptr<SafetensorsFile> keepAlive = file;
        return at::from_blob(
            data, entry.shape, [keepAlive](void*) mutable { keepAlive.reset(); }, options);
    }
    at::Tensor t = at::empty(entry.shape, options);
    if (!bytes.empty()) {
        std::memcpy(t.data_ptr(), data, bytes.size());
    }
    return t;
}

core::Result<at::Tensor> loadTensor(const std::shared_ptr<SafetensorsFile>& file, std::string_view name)
{
    const auto* entry = file->find(name);
    if (!entry) {
        return core::fail(ErrorCode::InvalidArgument,
                          "tensor '" + std::string(name) + "' is not in the file",
                          file->path().string());
    }
    return tensorOf(file, *entry);
}

core::Result<TensorMap> loadSafetensors(const std::filesystem::path& path,
                                        std::map<std::string, std::string>* metadata)
{
    auto file = SafetensorsFile::open(path);
    if (!file) {
        return tl::unexpected(file.error());
    }
    TensorMap tensors;
    for (const auto& e : (*file)->entries()) {
        tensors.emplace(e.name, tensorOf(*file, e));
    }
    if (metadata) {
        *metadata = (*file)->metadata();
    }
    return tensors;
}

core::Result<std::vector<std::byte>>
encodeSafetensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                  const std::map<std::string, std::string>& metadata)
{
    return core::guarded(ErrorCode::Internal, {}, [&] {
        nlohmann::ordered_json header = nlohmann::ordered_json::object();
        if (!metadata.empty()) {
            header["__metadata__"] = metadata;
        }
        std::vector<at::Tensor> contiguous;
        std::uint64_t offset = 0;
        for (const auto& [name, tensor] : tensors) {
            auto dtype = safetensorsDTypeOf(tensor.scalar_type());
            if (!dtype) {
                core::throwError(ErrorCode::InvalidArgument, dtype.error().message, name);
            }
            at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
            const std::uint64_t size = static_cast<std::uint64_t>(t.numel()) * t.element_size();
            header[name] = {{"dtype", nameOf(*dtype)},
                            {"shape", t.sizes().vec()},
                            {"data_offsets", {offset, offset + size}}};
            offset += size;
            contiguous.push_back(std::move(t));
        }
        std::string json = header.dump();
        json.append((8 - json.size() % 8) % 8, ' ');
        std::vector<std::byte> out(8 + json.size() + offset);
        std::uint64_t len = json.size();
        for (int i = 0; i < 8; ++i) {
            out[i] = static_cast<std::byte>((len >> (8 * i)) & 0xff);
        }
        std::memcpy(out.data() + 8, json.data(), json.size());
        std::byte* p = out.data() + 8 + json.size();
        for (const auto& t : contiguous) {
            const std::size_t size = static_cast<std::size_t>(t.numel()) * t.element_size();
            if (size) {
                std::memcpy(p, t.data_ptr(), size);
            }
            p += size;
        }
        return out;
    });
}

core::Status writeSafetensors(const std::filesystem::path& path,
                              const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata,
                              bool overwrite)
{
    auto bytes = encodeSafetensors(tensors, metadata);
    if (!bytes) {
        return tl::unexpected(bytes.error());
    }
    return core::writeFileAtomically(path, *bytes, overwrite);
}

} // namespace hdr::diffusion
