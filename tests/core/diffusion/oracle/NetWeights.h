#pragma once
// Test-only: fills a network's parameters from a diffusers-named safetensors file (the model
// loader of core/diffusion/model does this with a full report; the network tests only need the
// strict version: every parameter present with its shape, no extra keys).
#include "diffusion/SafetensorsTorch.h"

#include <torch/nn/module.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace hdr::test {

inline void loadNetWeights(torch::nn::Module& module, const std::filesystem::path& file)
{
    auto tensors = diffusion::loadSafetensors(file);
    if (!tensors) {
        throw std::runtime_error(tensors.error().describe());
    }
    at::NoGradGuard noGrad;
    std::string problems;
    size_t used = 0;
    for (auto& item : module.named_parameters()) {
        const auto it = tensors->find(item.key());
        if (it == tensors->end()) {
            problems += " missing " + item.key() + ";";
            continue;
        }
        if (it->second.sizes() != item.value().sizes()) {
            problems += " shape " + item.key() + ";";
            continue;
        }
        item.value().copy_(it->second);
        ++used;
    }
    if (used != tensors->size()) {
        problems += " " + std::to_string(tensors->size() - used) + " unexpected keys;";
    }
    if (!problems.empty()) {
        throw std::runtime_error("weights " + file.string() + ":" + problems.substr(0, 600));
    }
}

} // namespace hdr::test
