#pragma once
// The exposure-selection backbones (ExposureSelector.h describes them). libtorch in the header.
#include "expsel/ExposureSelector.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>

namespace hdr::expsel {

// N x 3E x S x S (thumbnails scaled to [−0.5, 0.5]) -> N x pairCount(E) logits.
class ExposureNet : public torch::nn::Module {
public:
    virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

std::shared_ptr<ExposureNet> makeExposureNet(const ExposureNetConfig& config);

} // namespace hdr::expsel
