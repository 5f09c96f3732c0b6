#pragma once
// Filling a module's parameters from a state dict with diffusers/transformers names (the
// contract: named_parameters() keys are exactly those names). Every parameter the module has and
// the dict lacks is "missing", every dict entry the module lacks is "unexpected", and entries
// whose shape differs are "shape mismatches"; nothing is copied into a parameter of the wrong
// shape. Values are converted to the parameter's dtype and device (copy_). Modules built on the
// meta device are only checked (names and shapes), which is how model-info and the manifest test
// validate full-size models without memory.
#include "diffusion/SafetensorsTorch.h"
#include "diffusion/model/ModelFiles.h"

#include <torch/nn/module.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hdr::diffusion {

struct LoadReport {
    std::string component;
    std::vector<std::string> missing;         // parameter names
    std::vector<std::string> unexpected;      // state-dict names
    std::vector<std::string> shapeMismatches; // "name: file [a, b], model [c, d]"
    std::int64_t loadedTensors = 0;
    std::int64_t loadedElements = 0;

    bool complete() const { return missing.empty() && unexpected.empty() && shapeMismatches.empty(); }
    // One sentence: "unet: 2 missing (conv_in.weight, ...), 1 unexpected (...)"; empty when complete.
    std::string problem() const;
};

LoadReport
loadStateDict(torch::nn::Module& module, const TensorMap& diffusersNamed, const std::string& component);
// From an index (tensors are read and transformed one at a time: no second copy of the model).
LoadReport loadStateDict(torch::nn::Module& module, const TensorIndex& index, const std::string& component);
// Names and shapes only (nothing is copied; works on meta modules).
LoadReport
checkStateDict(const torch::nn::Module& module, const KeyShapes& available, const std::string& component);

// The tensor a ref stands for (a view of the mapping where the transform allows it), on the CPU in
// the file's dtype.
at::Tensor materialize(const TensorRef& ref);
TensorMap materializeAll(const TensorIndex& index);

std::string shapeText(const TensorShape& shape); // "[320, 4, 3, 3]"

} // namespace hdr::diffusion
