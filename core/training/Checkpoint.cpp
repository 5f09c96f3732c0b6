#include "training/Checkpoint.h"

#include "common/AtomicFile.h"

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <system_error>

namespace hdr::training {

namespace fs = std::filesystem;

namespace {

void writeArchiveAtomically(torch::serialize::OutputArchive& archive, const fs::path& path, bool overwrite)
{
    auto out = core::unwrap(core::AtomicOutputFile::create(path, overwrite));
    archive.save_to(out.tempPath().string());
    core::unwrap(out.commit());
}

torch::serialize::InputArchive openArchive(const fs::path& path)
{
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        core::throwError(core::ErrorCode::IoError, "The checkpoint file does not exist.", path.string());
    }
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path.string());
    } catch (const c10::Error&) {
        core::throwError(core::ErrorCode::CorruptData,
                         "The checkpoint is not a readable libtorch archive (truncated or another format).",
                         path.string());
    }
    return archive;
}

nlohmann::json readMetadata(torch::serialize::InputArchive& archive, const fs::path& path)
{
    c10::IValue value;
    if (!archive.try_read("metadata", value) || !value.isString()) {
        core::throwError(core::ErrorCode::UnsupportedFormat,
                         "The file is not an HDR Studio checkpoint (no metadata entry).",
                         path.string());
    }
    auto meta = nlohmann::json::parse(value.toStringRef(), nullptr, false);
    if (!meta.is_object() || meta.value("format", "") != kCheckpointFormat) {
        core::throwError(
            core::ErrorCode::CorruptData, "The checkpoint's metadata is not valid.", path.string());
    }
    return meta;
}

} // namespace

core::Status saveCheckpoint(const fs::path& path,
                            torch::nn::Module& model,
                            torch::optim::Optimizer* optimizer,
                            const nlohmann::json& metadata)
{
    return core::guarded(core::ErrorCode::IoError, path.string(), [&] {
        torch::NoGradGuard noGrad;
        torch::serialize::OutputArchive weights;
        for (const auto& item : model.named_parameters(true)) {
            weights.write(item.key(), item.value().detach().to(torch::kCPU, torch::kFloat32));
        }
        for (const auto& item : model.named_buffers(true)) {
            weights.write(item.key(), item.value().detach().to(torch::kCPU));
        }
        torch::serialize::OutputArchive archive;
        archive.write("model", weights);
        if (optimizer) {
            torch::serialize::OutputArchive state;
            optimizer->save(state);
            archive.write("optimizer", state);
        }
        nlohmann::json meta = metadata;
        meta["format"] = kCheckpointFormat;
        meta["version"] = 1;
        archive.write("metadata", c10::IValue(meta.dump()));
        writeArchiveAtomically(archive, path, true);
    });
}

core::Result<nlohmann::json>
loadCheckpoint(const fs::path& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer)
{
    return core::guarded(core::ErrorCode::CorruptData, path.string(), [&] {
        auto archive = openArchive(path);
        auto meta = readMetadata(archive, path);
        torch::serialize::InputArchive weights;
        if (!archive.try_read("model", weights)) {
            core::throwError(
                core::ErrorCode::CorruptData, "The checkpoint has no model weights.", path.string());
        }
        torch::NoGradGuard noGrad;
        auto load = [&](const std::string& name, torch::Tensor& target) {
            torch::Tensor stored;
            if (!weights.try_read(name, stored)) {
                core::throwError(core::ErrorCode::CorruptData,
                                 "The checkpoint lacks the tensor '" + name +
                                     "' this network needs (another "
                                     "architecture or size?).",
                                 path.string());
            }
            if (stored.sizes() != target.sizes()) {
                core::throwError(core::ErrorCode::CorruptData,
                                 "The checkpoint's tensor '" + name +
                                     "' has another shape than this network's.",
                                 path.string());
            }
            target.copy_(stored.to(target.device(), target.scalar_type()));
        };
        for (auto& item : model.named_parameters(true)) {
            load(item.key(), item.value());
        }
        for (auto& item : model.named_buffers(true)) {
            load(item.key(), item.value());
        }
        if (optimizer) {
            torch::serialize::InputArchive state;
            if (archive.try_read("optimizer", state)) {
                try {
                    optimizer->load(state);
                } catch (const c10::Error&) {
                    core::throwError(core::ErrorCode::CorruptData,
                                     "The checkpoint's optimizer state does not fit this optimizer (another "
                                     "--optimizer than the run used?).",
                                     path.string());
                }
            }
        }
        return meta;
    });
}

core::Result<nlohmann::json> readCheckpointMetadata(const fs::path& path)
{
    return core::guarded(core::ErrorCode::CorruptData, path.string(), [&] {
        auto archive = openArchive(path);
        return readMetadata(archive, path);
    });
}

core::Status exportWeightsOnly(const fs::path& from, const fs::path& to, bool overwrite)
{
    return core::guarded(core::ErrorCode::IoError, to.string(), [&] {
        auto archive = openArchive(from);
        auto meta = readMetadata(archive, from);
        torch::serialize::InputArchive weights;
        if (!archive.try_read("model", weights)) {
            core::throwError(
                core::ErrorCode::CorruptData, "The checkpoint has no model weights.", from.string());
        }
        torch::serialize::OutputArchive copy;
        for (const auto& key : weights.keys()) {
            torch::Tensor t;
            if (weights.try_read(key, t)) {
                copy.write(key, t);
            }
        }
        torch::serialize::OutputArchive out;
        out.write("model", copy);
        meta.erase("optimizer");
        out.write("metadata", c10::IValue(meta.dump()));
        writeArchiveAtomically(out, to, overwrite);
    });
}

} // namespace hdr::training
