// The process group headers declare their classes only under these macros (the Debian libtorch is
// built with gloo; NCCL only in CUDA builds, where CMake defines HDR_TORCH_NCCL).
#define USE_C10D_GLOO 1
#ifdef HDR_TORCH_NCCL
#define USE_C10D_NCCL 1
#endif
#include "training/DistributedContext.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef HDR_TORCH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <vector>

namespace hdr::training {

class DistributedContext::Impl {
public:
    DistributedConfig config;
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroup> group;
    const char* backend = "none";
    torch::Device device{torch::kCPU};

    void run(std::vector<at::Tensor>& tensors)
    {
        auto work = group->allreduce(tensors);
        work->wait();
    }
};

namespace {

std::shared_ptr<::gloo::transport::Device> glooDevice(const DistributedConfig& config)
{
    // As PyTorch: GLOO_SOCKET_IFNAME picks the interface; a loopback rendezvous stays on loopback
    // (a container's host name need not resolve); otherwise the interface of this host's name.
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
        return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
    }
    if (config.masterAddr == "127.0.0.1" || config.masterAddr == "localhost") {
        return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    }
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

} // namespace

DistributedContext::DistributedContext(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{
}
DistributedContext::DistributedContext(DistributedContext&&) noexcept = default;
DistributedContext& DistributedContext::operator=(DistributedContext&&) noexcept = default;
DistributedContext::~DistributedContext() = default;

core::Result<DistributedContext> DistributedContext::create(const DistributedConfig& config,
                                                            const torch::Device& device)
{
    if (auto status = config.validate(); !status) {
        return tl::unexpected(status.error());
    }
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->device = device;
    if (!config.enabled()) {
        return DistributedContext(std::move(impl));
    }
    const std::string where = config.masterAddr + ":" + std::to_string(config.masterPort);
    return core::guarded(core::ErrorCode::IoError, where, [&]() -> DistributedContext {
        const bool wantNccl = config.backend == "nccl" || (config.backend == "auto" && device.is_cuda());
#ifndef HDR_TORCH_NCCL
        if (wantNccl) {
            core::throwError(core::ErrorCode::InvalidArgument,
                             "This build's libtorch has no NCCL; use --dist-backend gloo.",
                             "backend");
        }
#endif
        try {
            c10d::TCPStoreOptions storeOptions;
            storeOptions.port = std::uint16_t(config.masterPort);
            storeOptions.isServer = config.rank == 0;
            storeOptions.numWorkers = std::size_t(config.worldSize);
            storeOptions.waitWorkers = true;
            storeOptions.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout);
            auto tcp = c10::make_intrusive<c10d::TCPStore>(config.masterAddr, storeOptions);
            impl->store = c10::make_intrusive<c10d::PrefixStore>("hdrstudio", tcp);
            if (wantNccl) {
#ifdef HDR_TORCH_NCCL
                auto options = c10d::ProcessGroupNCCL::Options::create();
                options->timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout);
                impl->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(
                    impl->store, config.rank, config.worldSize, options);
                impl->backend = "nccl";
#endif
            } else {
                auto options = c10d::ProcessGroupGloo::Options::create(
                    std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout));
                options->devices.push_back(glooDevice(config));
                options->threads = 2;
                impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
                    impl->store, config.rank, config.worldSize, options);
                impl->backend = "gloo";
            }
        } catch (const c10::Error& e) {
            core::throwError(core::ErrorCode::IoError,
                             "The distributed rendezvous failed (is rank 0 running and the master address "
                             "reachable?): " +
                                 std::string(e.what_without_backtrace()),
                             where);
        } catch (const std::exception& e) {
            core::throwError(core::ErrorCode::IoError,
                             std::string("The distributed rendezvous failed: ") + e.what(),
                             where);
        }
        return DistributedContext(std::move(impl));
    });
}

int DistributedContext::rank() const
{
    return m_impl->config.rank;
}
int DistributedContext::worldSize() const
{
    return m_impl->config.worldSize;
}
const char* DistributedContext::backendName() const
{
    return m_impl->backend;
}

void DistributedContext::broadcastModule(torch::nn::Module& model)
{
    if (!m_impl->group) {
        return;
    }
    torch::NoGradGuard noGrad;
    std::vector<at::Tensor> tensors;
    for (auto& p : model.parameters(true)) {
        tensors.push_back(p);
    }
    for (auto& b : model.buffers(true)) {
        tensors.push_back(b);
    }
    for (auto& t : tensors) {
        std::vector<at::Tensor> one{t.data()};
        c10d::BroadcastOptions options;
        options.rootRank = 0;
        m_impl->group->broadcast(one, options)->wait();
    }
}

bool DistributedContext::allReduceGradients(torch::nn::Module& model, bool localFlag)
{
    auto params = model.parameters(true);
    if (!m_impl->group) {
        return localFlag;
    }
    torch::NoGradGuard noGrad;
    std::vector<at::Tensor> pieces;
    pieces.reserve(params.size() + 1);
    at::Tensor reference = params.empty() ? torch::zeros({1}) : params.front();
    for (auto& p : params) {
        pieces.push_back(p.grad().defined()
                             ? p.grad().reshape({-1}).to(torch::kFloat32)
                             : torch::zeros({p.numel()}, reference.options().dtype(torch::kFloat32)));
    }
    pieces.push_back(torch::full({1}, localFlag ? 1.0f : 0.0f, reference.options().dtype(torch::kFloat32)));
    std::vector<at::Tensor> flat{torch::cat(pieces)};
    m_impl->run(flat);
    const auto summed = flat.front();
    const bool anyFlag = summed[summed.numel() - 1].item<float>() > 0.5f;
    const double scale = 1.0 / double(m_impl->config.worldSize);
    std::int64_t offset = 0;
    for (auto& p : params) {
        const auto n = p.numel();
        auto averaged = summed.narrow(0, offset, n).view(p.sizes()).mul(scale);
        if (p.grad().defined()) {
            p.mutable_grad().copy_(averaged);
        } else {
            p.mutable_grad() = averaged.to(p.scalar_type()).clone();
        }
        offset += n;
    }
    return anyFlag;
}

bool DistributedContext::anyRank(bool localFlag)
{
    if (!m_impl->group) {
        return localFlag;
    }
    std::vector<at::Tensor> flag{
        torch::full({1}, localFlag ? 1.0f : 0.0f, torch::TensorOptions().device(m_impl->device))};
    m_impl->run(flag);
    return flag.front().item<float>() > 0.5f;
}

void DistributedContext::barrier()
{
    if (m_impl->group) {
        anyRank(false);
    }
}

} // namespace hdr::training
