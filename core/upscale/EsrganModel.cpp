#include "upscale/EsrganModel.h"

#include "diffusion/TorchCheckpointTorch.h"

namespace hdr::diffusion {

using core::ErrorCode;

namespace {

// The state dict inside a Real-ESRGAN release file: 'params_ema', else 'params', else the file.
TensorMap selectStateDict(TensorMap all, std::string& source)
{
    for (const char* prefix : {"params_ema.", "params."}) {
        TensorMap picked;
        for (auto& [name, tensor] : all) {
            if (name.rfind(prefix, 0) == 0) {
                picked.emplace(name.substr(std::string(prefix).size()), tensor);
            }
        }
        if (!picked.empty()) {
            source = std::string(prefix).substr(0, std::string(prefix).size() - 1);
            return picked;
        }
    }
    source = "state_dict";
    return all;
}

RrdbKeyShapes shapesOf(const TensorMap& tensors)
{
    RrdbKeyShapes keys;
    for (const auto& [name, t] : tensors) {
        keys[name] = t.sizes().vec();
    }
    return keys;
}

} // namespace

core::Result<LoadedEsrgan>
loadEsrganModel(const std::filesystem::path& path, at::ScalarType dtype, at::Device device)
{
    return core::guarded(ErrorCode::CorruptData, path.string(), [&] {
        LoadedEsrgan out;
        TensorMap tensors = selectStateDict(core::unwrap(loadTensorFile(path)), out.info.source);
        out.info.layout = "basicsr";
        if (isOldEsrganLayout(shapesOf(tensors))) {
            const int64_t blocks = oldEsrganBlockCount(shapesOf(tensors));
            TensorMap renamed;
            for (auto& [name, tensor] : tensors) {
                if (auto basicsr = basicsrNameOfOldEsrgan(name, blocks)) {
                    renamed.emplace(*basicsr, tensor);
                } else {
                    core::throwError(
                        ErrorCode::UnsupportedFormat,
                        "the old-ESRGAN file has a tensor outside the x4 RRDBNet layout (old x2/x1 "
                        "ESRGAN networks are a different architecture)",
                        name);
                }
            }
            tensors = std::move(renamed);
            out.info.layout = "esrgan-old";
        }
        out.info.config = core::unwrap(inferRrdbNetConfig(shapesOf(tensors)));
        if (out.info.layout == "esrgan-old" && out.info.config.scale != 4) {
            core::throwError(ErrorCode::UnsupportedFormat, "old-layout ESRGAN files are x4 only");
        }
        out.net = RrdbNet(out.info.config, at::TensorOptions().dtype(dtype).device(device));
        at::NoGradGuard noGrad;
        std::size_t used = 0;
        for (auto& p : out.net->named_parameters()) {
            const auto it = tensors.find(p.key());
            if (it == tensors.end()) {
                core::throwError(ErrorCode::CorruptData, "the file lacks an RRDBNet tensor", p.key());
            }
            if (it->second.sizes() != p.value().sizes()) {
                core::throwError(
                    ErrorCode::CorruptData, "a tensor has the wrong shape for its RRDBNet", p.key());
            }
            p.value().copy_(it->second);
            out.info.parameters += p.value().numel();
            ++used;
        }
        if (used != tensors.size()) {
            core::throwError(
                ErrorCode::UnsupportedFormat,
                "the file holds tensors an RRDBNet does not have (another upscaler architecture?)");
        }
        // The forward pass runs channels-last (RrdbNet.cpp); weights in the same layout spare
        // oneDNN a reorder per convolution call.
        for (auto& p : out.net->parameters()) {
            if (p.dim() == 4) {
                p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
            }
        }
        out.net->eval();
        return out;
    });
}

} // namespace hdr::diffusion
