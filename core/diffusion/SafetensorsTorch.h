#pragma once
// safetensors <-> libtorch tensors. Loading is zero-copy where the mapping allows it: a tensor
// whose bytes are aligned to its element size is a view of the file's private mapping and keeps
// the mapping alive; otherwise (odd offsets in hand-made files) it is copied.
#include "tensorfile/Safetensors.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hdr::diffusion {

using TensorMap = std::map<std::string, at::Tensor>;

at::ScalarType scalarTypeOf(TensorDType dtype);
core::Result<TensorDType> safetensorsDTypeOf(at::ScalarType type);

// The tensor for one entry of `file` (CPU; a view when aligned, else a copy).
at::Tensor tensorOf(const std::shared_ptr<SafetensorsFile>& file, const SafetensorsEntry& entry);
// By name; NotFound-style InvalidArgument error naming the tensor and the file when absent.
core::Result<at::Tensor> loadTensor(const std::shared_ptr<SafetensorsFile>& file, std::string_view name);
// Every tensor of a file (views of one mapping).
core::Result<TensorMap> loadSafetensors(const std::filesystem::path& path,
                                        std::map<std::string, std::string>* metadata = nullptr);

// Serialises tensors (any device/dtype that safetensors has; made contiguous on CPU) with the
// header padded to 8 bytes, names in the given order.
core::Result<std::vector<std::byte>>
encodeSafetensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                  const std::map<std::string, std::string>& metadata = {});
// Atomic write (temp + rename); refuses to replace an existing file unless overwrite.
core::Status writeSafetensors(const std::filesystem::path& path,
                              const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata = {},
                              bool overwrite = false);

} // namespace hdr::diffusion
