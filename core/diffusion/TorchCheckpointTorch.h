#pragma once
// PyTorch checkpoints (.pth / .pt, read by the torch-free core/tensorfile reader, which runs no
// pickled code) -> libtorch tensors. Names are the flattened state-dict names
// ("params_ema.conv_first.weight").
#include "diffusion/SafetensorsTorch.h"

#include <filesystem>

namespace hdr::diffusion {

// Every tensor of the checkpoint, copied out of the file (CPU, its stored dtype).
core::Result<TensorMap> loadTorchCheckpoint(const std::filesystem::path& path);

// .safetensors or a PyTorch checkpoint, by content.
core::Result<TensorMap> loadTensorFile(const std::filesystem::path& path);

} // namespace hdr::diffusion
