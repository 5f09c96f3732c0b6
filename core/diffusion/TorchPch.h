#pragma once
// Precompiled header for targets that use libtorch (see hdr_use_torch_pch). Only what inference
// code needs: tensors, ops, torch::nn modules and functional. Not torch/torch.h (data loaders,
// optimisers, serialisation and JIT add compile time we do not use here).
#include <ATen/ATen.h>
#include <c10/util/Half.h>
#include <torch/nn/functional.h>
#include <torch/nn/module.h>
#include <torch/nn/modules.h>
#include <torch/types.h>
#include <torch/utils.h>
