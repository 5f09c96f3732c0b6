#include "training/DistributedConfig.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace hdr::training {

core::Status DistributedConfig::validate() const
{
    if (worldSize < 1) {
        return core::fail(
            core::ErrorCode::InvalidArgument, "The world size must be at least 1.", "world-size");
    }
    if (rank < 0 || rank >= worldSize) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "The rank must be in 0.." + std::to_string(worldSize - 1) + " for a world of " +
                              std::to_string(worldSize) + ".",
                          "rank");
    }
    if (localRank < 0) {
        return core::fail(
            core::ErrorCode::InvalidArgument, "The local rank must not be negative.", "local-rank");
    }
    if (masterPort < 1 || masterPort > 65535) {
        return core::fail(
            core::ErrorCode::InvalidArgument, "The master port must be in 1..65535.", "master-port");
    }
    if (worldSize > 1 && masterAddr.empty()) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "A distributed run needs the master address (--master-addr or MASTER_ADDR).",
                          "master-addr");
    }
    if (backend != "auto" && backend != "gloo" && backend != "nccl") {
        return core::fail(
            core::ErrorCode::InvalidArgument, "The backend must be auto, gloo or nccl.", "backend");
    }
    if (timeout.count() <= 0) {
        return core::fail(core::ErrorCode::InvalidArgument, "The timeout must be positive.", "timeout");
    }
    return {};
}

namespace {

core::Status readIntVariable(const char* name, int& out)
{
    const char* value = std::getenv(name);
    if (!value || !*value) {
        return {};
    }
    const std::string_view text(value);
    int parsed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          std::string("The environment variable ") + name + " must be a whole number, not '" +
                              value + "'.",
                          name);
    }
    out = parsed;
    return {};
}

} // namespace

core::Result<DistributedConfig> distributedConfigFromEnvironment(DistributedConfig defaults)
{
    for (const auto& [name, field] : {std::pair<const char*, int*>{"RANK", &defaults.rank},
                                      {"WORLD_SIZE", &defaults.worldSize},
                                      {"LOCAL_RANK", &defaults.localRank},
                                      {"MASTER_PORT", &defaults.masterPort}}) {
        if (auto status = readIntVariable(name, *field); !status) {
            return tl::unexpected(status.error());
        }
    }
    if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) {
        defaults.masterAddr = addr;
    }
    return defaults;
}

} // namespace hdr::training
