#pragma once

#include "common/Error.h"

#include <chrono>
#include <string>

namespace hdr::training {

// Data-parallel training across processes, launched like torchrun: every process gets its rank,
// the world size and the rendezvous address (rank 0 listens there), from flags or from the
// environment variables torchrun sets (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, LOCAL_RANK).
// Rank 0 writes the run folder; gradients are averaged over all ranks every optimizer step.
struct DistributedConfig {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0; // picks the GPU (cuda:<localRank>) on multi-GPU machines
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    std::string backend = "auto"; // "gloo" (CPU), "nccl" (CUDA builds), "auto": nccl on CUDA else gloo
    std::chrono::seconds timeout{300};

    bool enabled() const { return worldSize > 1; }
    core::Status validate() const;
};

// `defaults` with the torchrun variables that are set applied over it. A variable that is set but
// not a number is an InvalidArgument error naming it.
core::Result<DistributedConfig> distributedConfigFromEnvironment(DistributedConfig defaults = {});

} // namespace hdr::training
