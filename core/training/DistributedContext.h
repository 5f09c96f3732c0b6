#pragma once
// Data-parallel training through libtorch's c10d: a TCPStore rendezvous at the master address
// (rank 0 hosts it) and a process group (gloo on CPU; NCCL when the libtorch was built with it and
// the device is CUDA). Uses libtorch in its header: for Trainer.cpp and tests only.
#include "common/Error.h"
#include "training/DistributedConfig.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>

namespace hdr::training {

class DistributedContext {
public:
    // A single-process context (every collective is the identity) when config.worldSize == 1.
    static core::Result<DistributedContext> create(const DistributedConfig& config,
                                                   const torch::Device& device);

    DistributedContext(DistributedContext&&) noexcept;
    DistributedContext& operator=(DistributedContext&&) noexcept;
    ~DistributedContext();

    int rank() const;
    int worldSize() const;
    bool isMain() const { return rank() == 0; }
    const char* backendName() const; // "none", "gloo", "nccl"

    // Rank 0's parameters and buffers to every rank (after construction or resume).
    void broadcastModule(torch::nn::Module& model);
    // Averages the gradients over all ranks in one flat all-reduce (a missing gradient counts as
    // zero), and agrees on a flag in the same message: returns true when any rank raised it
    // (a stop request seen by rank 0 reaches every rank at the same step).
    bool allReduceGradients(torch::nn::Module& model, bool localFlag);
    // True when any rank raised its flag; a collective every rank must call.
    bool anyRank(bool localFlag);
    // Waits until every rank arrives.
    void barrier();

private:
    class Impl;
    explicit DistributedContext(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace hdr::training
