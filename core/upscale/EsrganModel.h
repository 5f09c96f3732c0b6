#pragma once
// Internal, libtorch: an ESRGAN / Real-ESRGAN network from its released weights. Files: the
// Real-ESRGAN release format (torch.save({'params_ema': state_dict}) zip .pth; 'params_ema' is
// preferred, else 'params', else the bare state dict, as RealESRGANer does), old ESRGAN .pth files
// in the 2018 "model.N" layout (legacy pickle format), and .safetensors in either naming. The
// network's shape is read from the tensors (RrdbNetConfig.h). Pickles are read by the weights-only
// reader of core/tensorfile: no pickled code runs.
#include "common/Error.h"
#include "upscale/RrdbNet.h"

#include <filesystem>
#include <string>

namespace hdr::diffusion {

struct EsrganModelInfo {
    RrdbNetConfig config;
    std::string layout; // "basicsr" or "esrgan-old"
    std::string source; // "params_ema", "params" or "state_dict"
    int64_t parameters = 0;
};

struct LoadedEsrgan {
    RrdbNet net{nullptr};
    EsrganModelInfo info;
};

core::Result<LoadedEsrgan> loadEsrganModel(const std::filesystem::path& path,
                                           at::ScalarType dtype = at::kFloat,
                                           at::Device device = at::kCPU);

} // namespace hdr::diffusion
