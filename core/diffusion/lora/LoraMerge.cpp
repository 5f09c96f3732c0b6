#include "diffusion/lora/LoraMerge.h"

#include <ATen/core/grad_mode.h>

#include <cmath>
#include <set>
#include <sstream>

namespace hdr::diffusion {

namespace {

using core::ErrorCode;
using WeightKey = std::pair<LoraComponent, std::string>;

std::string shapeText(at::IntArrayRef sizes)
{
    std::ostringstream text;
    text << '[';
    for (std::size_t d = 0; d < sizes.size(); ++d)
        text << (d ? "," : "") << sizes[d];
    text << ']';
    return text.str();
}

// Empty when the layer fits the weight, else why not.
std::string shapeProblem(const LoraLayer& layer, const at::Tensor& weight)
{
    const at::Tensor& down = layer.down;
    const at::Tensor& up = layer.up;
    const int64_t fanIn = weight.numel() / std::max<int64_t>(weight.size(0), 1);
    bool fits = up.size(0) == weight.size(0) && down.numel() / down.size(0) == fanIn;
    if (fits && down.dim() == 4 && weight.dim() == 4)
        fits = down.size(2) == weight.size(2) && down.size(3) == weight.size(3);
    else if (fits && down.dim() == 4) // conv LoRA on a Linear: only a 1x1 one is a matrix
        fits = down.size(2) == 1 && down.size(3) == 1;
    else if (fits && weight.dim() == 4) // linear LoRA on a conv: only a 1x1 conv is a matrix
        fits = weight.size(2) == 1 && weight.size(3) == 1;
    if (fits) return {};
    std::vector<int64_t> product = down.sizes().vec();
    product[0] = up.size(0);
    return layer.sourceName + ": up " + shapeText(up.sizes()) + " x down " + shapeText(down.sizes()) +
           " gives " + shapeText(product) + ", the weight is " + shapeText(weight.sizes());
}

} // namespace

TensorMap parametersOf(const torch::nn::Module& module)
{
    TensorMap parameters;
    for (const auto& item : module.named_parameters(/*recurse=*/true))
        parameters.emplace(item.key(), item.value());
    return parameters;
}

struct LoraMerger::State {
    struct Target {
        TensorMap parameters;
        std::unique_ptr<LoraTargetIndex> index;
    };
    struct ResolvedLayer {
        const LoraLayer* layer = nullptr;
        WeightKey weight;
    };
    struct Active {
        std::shared_ptr<const LoraFile> file;
        float strength = 1.0f;
        std::vector<ResolvedLayer> layers;
    };

    std::map<LoraComponent, Target> targets;
    std::vector<Active> active;
    std::map<WeightKey, at::Tensor> backups; // original weights, same dtype/device

    at::Tensor& weightOf(const WeightKey& key) { return targets.at(key.first).parameters.at(key.second); }

    // W = original + sum of the deltas of every active LoRA on it, in fp32, cast once.
    void remerge(const std::set<WeightKey>& weights)
    {
        at::NoGradGuard noGrad;
        std::map<WeightKey, std::vector<std::pair<const LoraLayer*, float>>> contributions;
        for (const Active& lora : active) {
            for (const ResolvedLayer& resolved : lora.layers) {
                if (weights.count(resolved.weight))
                    contributions[resolved.weight].emplace_back(resolved.layer, lora.strength);
            }
        }
        for (const WeightKey& key : weights) {
            at::Tensor& weight = weightOf(key);
            auto backup = backups.find(key);
            if (backup == backups.end()) backup = backups.emplace(key, weight.detach().clone()).first;
            at::Tensor sum = backup->second.to(at::kFloat, /*non_blocking=*/false, /*copy=*/true);
            for (const auto& [layer, strength] : contributions[key]) {
                const at::Tensor up = layer->up.to(weight.device(), at::kFloat).flatten(1);
                const at::Tensor down = layer->down.to(weight.device(), at::kFloat).flatten(1);
                sum.add_(at::mm(up, down).view(weight.sizes()),
                         static_cast<double>(strength) * layer->scale());
            }
            weight.detach().copy_(sum);
        }
    }
};

LoraMerger::LoraMerger(std::map<LoraComponent, TensorMap> targets)
    : m_state(std::make_unique<State>())
{
    for (auto& [component, parameters] : targets) {
        std::map<std::string, int> ranks;
        for (const auto& [name, tensor] : parameters)
            ranks.emplace(name, static_cast<int>(tensor.dim()));
        State::Target target;
        target.index = std::make_unique<LoraTargetIndex>(component, ranks);
        target.parameters = std::move(parameters);
        m_state->targets.emplace(component, std::move(target));
    }
}

LoraMerger::~LoraMerger() = default;

core::Result<LoraReport> LoraMerger::add(std::shared_ptr<const LoraFile> lora, float strength)
{
    const std::string where = lora ? lora->path.string() : std::string();
    return core::guarded(ErrorCode::Internal, where, [&]() {
        if (!lora) core::throwError(ErrorCode::InvalidArgument, "no LoRA given");
        if (!std::isfinite(strength))
            core::throwError(ErrorCode::InvalidArgument, "LoRA strength is not a finite number", where);
        LoraReport report = lora->parseReport;
        report.file = where;
        State::Active active{lora, strength, {}};
        std::map<LoraComponent, std::size_t> skipped;
        std::map<WeightKey, std::string> claimedBy;
        std::vector<std::string> shapeProblems;

        for (const LoraLayer& layer : lora->layers) {
            const auto target = m_state->targets.find(layer.component);
            if (target == m_state->targets.end()) {
                ++skipped[layer.component];
                continue;
            }
            const LoraTargetIndex& index = *target->second.index;
            const LoraTargetIndex::Weight* weight = nullptr;
            for (const std::string& path : layer.modulePaths) {
                weight = layer.naming == LoraNaming::KohyaFlattened ? index.findFlattened(path)
                                                                    : index.findModule(path);
                if (weight) break;
            }
            if (!weight) {
                report.unmatchedLayers.push_back(layer.sourceName + " (" + nameOf(layer.component) + ")");
                continue;
            }
            const WeightKey key{layer.component, weight->name};
            if (auto [it, inserted] = claimedBy.emplace(key, layer.sourceName); !inserted) {
                report.unmatchedLayers.push_back(layer.sourceName + " (" + nameOf(layer.component) +
                                                 ": same weight as " + it->second + ", not applied twice)");
                continue;
            }
            if (std::string problem = shapeProblem(layer, target->second.parameters.at(weight->name));
                !problem.empty()) {
                shapeProblems.push_back(problem + " (" + weight->name + ")");
                continue;
            }
            active.layers.push_back({&layer, key});
        }
        for (const auto& [component, count] : skipped)
            report.skippedComponents.push_back(std::string(nameOf(component)) + " (" + std::to_string(count) +
                                               " layers; that component is not loaded)");

        if (!shapeProblems.empty()) {
            std::string message = "this LoRA does not fit the model (" +
                                  std::to_string(shapeProblems.size()) + " of " +
                                  std::to_string(lora->layers.size()) +
                                  " layers have other shapes; is it for another architecture, e.g. "
                                  "SD 1.5 vs SDXL?): ";
            for (std::size_t i = 0; i < shapeProblems.size() && i < 3; ++i)
                message += (i ? "; " : "") + shapeProblems[i];
            core::throwError(ErrorCode::InvalidArgument, message, where);
        }
        if (active.layers.empty()) {
            std::string message = "none of the " + std::to_string(lora->layers.size()) +
                                  " LoRA layers matches a weight of this model";
            const auto& unmatched = report.unmatchedLayers;
            if (!unmatched.empty()) message += " (e.g. " + unmatched.front() + ")";
            if (!report.skippedComponents.empty())
                message += "; not loaded: " + report.skippedComponents.front();
            core::throwError(ErrorCode::InvalidArgument, message, where);
        }

        std::set<WeightKey> touched;
        for (const auto& resolved : active.layers) {
            touched.insert(resolved.weight);
            ++report.applied[resolved.weight.first];
        }
        m_state->active.push_back(std::move(active));
        try {
            m_state->remerge(touched);
        } catch (...) {
            // e.g. out of memory half-way: put the weights back as they were without this LoRA.
            m_state->active.pop_back();
            m_state->remerge(touched);
            throw;
        }
        return report;
    });
}

core::Result<LoraReport> LoraMerger::add(const LoraSpec& spec)
{
    if (auto valid = validateLoraSpec(spec); !valid) return tl::unexpected(valid.error());
    auto file = loadLoraFile(spec.path);
    if (!file) return tl::unexpected(file.error());
    return add(std::make_shared<const LoraFile>(std::move(*file)), spec.strength);
}

core::Status LoraMerger::setStrength(std::size_t index, float strength)
{
    if (index >= m_state->active.size())
        return core::fail(ErrorCode::InvalidArgument,
                          "no LoRA number " + std::to_string(index) + " is active");
    if (!std::isfinite(strength))
        return core::fail(ErrorCode::InvalidArgument, "LoRA strength is not a finite number");
    auto& active = m_state->active[index];
    return core::guarded(ErrorCode::Internal, active.file->path.string(), [&]() {
        active.strength = strength;
        std::set<WeightKey> touched;
        for (const auto& resolved : active.layers)
            touched.insert(resolved.weight);
        m_state->remerge(touched);
    });
}

void LoraMerger::restore()
{
    at::NoGradGuard noGrad;
    for (auto& [key, original] : m_state->backups)
        m_state->weightOf(key).detach().copy_(original);
    m_state->backups.clear();
    m_state->active.clear();
}

std::size_t LoraMerger::activeCount() const
{
    return m_state->active.size();
}

std::size_t LoraMerger::patchedWeights() const
{
    return m_state->backups.size();
}

std::size_t LoraMerger::backupBytes() const
{
    std::size_t bytes = 0;
    for (const auto& [key, original] : m_state->backups)
        bytes += original.numel() * original.element_size();
    return bytes;
}

} // namespace hdr::diffusion
