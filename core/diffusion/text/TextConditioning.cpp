#include "diffusion/text/TextConditioning.h"

#include "diffusion/text/ClipTextModel.h"
#include "diffusion/text/ClipTokenizer.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <string>

namespace hdr::diffusion {

namespace {

using core::ErrorCode;

struct EncoderRun {
    const ClipTokenizer* tokenizer;
    const ClipTextModelImpl* model;
    std::vector<std::vector<PromptChunk>> chunks; // per text
};

at::Tensor chunkTensor(const std::vector<std::vector<PromptChunk>>& chunks, bool weights)
{
    std::vector<at::Tensor> rows;
    for (const auto& textChunks : chunks)
        for (const PromptChunk& chunk : textChunks)
            rows.push_back(weights ? at::tensor(at::ArrayRef<float>(chunk.weights), at::kFloat)
                                   : at::tensor(at::ArrayRef<int64_t>(chunk.ids), at::kLong));
    return at::stack(rows);
}

} // namespace

at::Tensor applyEmphasis(const at::Tensor& z, const at::Tensor& weights)
{
    // Means over every element of a chunk, in fp32 whatever the model dtype.
    const at::Tensor z32 = z.to(at::kFloat);
    const at::Tensor w = weights.to(z32.device(), at::kFloat).unsqueeze(-1);
    const std::vector<int64_t> dims = z.dim() == 3 ? std::vector<int64_t>{1, 2} : std::vector<int64_t>{0, 1};
    const at::Tensor originalMean = z32.mean(dims, true);
    const at::Tensor weighted = z32 * w;
    const at::Tensor weightedMean = weighted.mean(dims, true);
    // The restore divides by the weighted mean. Real CLIP states have means far from zero, but a
    // chunk whose mean is ~0 relative to its magnitude (small or untrained encoders) would turn
    // rounding noise into a huge factor, or 0/0 = NaN even with all weights 1: such chunks keep
    // the plain product (A1111's "No norm"), so the result stays a continuous function of z.
    const at::Tensor wellConditioned = weightedMean.abs() > weighted.abs().mean(dims, true) * 1e-3;
    const at::Tensor restore =
        at::where(wellConditioned, originalMean / weightedMean, at::ones_like(weightedMean));
    return (weighted * restore).to(z.scalar_type());
}

core::Result<EncodedPrompts> encodePrompts(const TextEncoderSet& encoders,
                                           const std::vector<std::string>& prompts,
                                           bool classifierFree,
                                           const std::vector<std::optional<std::string>>& negativePrompts,
                                           const TextConditioningOptions& options)
{
    if ((!encoders.textEncoder && !encoders.textEncoder2) || (encoders.textEncoder && !encoders.tokenizer) ||
        (encoders.textEncoder2 && !encoders.tokenizer2))
        return core::fail(ErrorCode::InvalidArgument,
                          "The text conditioning needs each text encoder's tokenizer");
    if (prompts.empty()) return core::fail(ErrorCode::InvalidArgument, "No prompt to encode");
    if (classifierFree && !negativePrompts.empty() && negativePrompts.size() != prompts.size())
        return core::fail(ErrorCode::InvalidArgument,
                          "Got " + std::to_string(negativePrompts.size()) + " negative prompts for " +
                              std::to_string(prompts.size()) + " prompts; give one per prompt or none");
    const bool sdxl = encoders.isSdxl();
    const int64_t layers1 =
        (encoders.textEncoder ? encoders.textEncoder : encoders.textEncoder2)->config().numLayers;
    // Index into hidden_states (0 = embeddings) of the state each encoder contributes.
    const int64_t skip = options.clipSkip;
    if (skip < 0 || (sdxl ? layers1 - 1 - skip : layers1 - skip) < 0 ||
        (sdxl && encoders.textEncoder2->config().numLayers - 1 - skip < 0))
        return core::fail(ErrorCode::InvalidArgument,
                          "Clip skip " + std::to_string(skip) + " is outside what the text encoder's " +
                              std::to_string(layers1) + " layers allow");

    return core::guarded(ErrorCode::Internal, "text conditioning", [&]() -> EncodedPrompts {
        c10::InferenceMode inferenceMode;
        const std::size_t batch = prompts.size();
        // Texts to encode: the prompts, then the negatives that are not zeroed.
        std::vector<std::string> texts(prompts.begin(), prompts.end());
        std::vector<int> negativeSlot(batch, -1); // index into texts, -1 = zeros
        if (classifierFree) {
            for (std::size_t i = 0; i < batch; ++i) {
                const std::optional<std::string> negative =
                    negativePrompts.empty() ? std::nullopt : negativePrompts[i];
                if (!negative && sdxl && options.forceZerosForEmptyNegative) continue;
                negativeSlot[i] = static_cast<int>(texts.size());
                texts.push_back(negative.value_or(std::string()));
            }
        }

        // CLIP-L first (SD 1.x, SDXL base), then bigG (SDXL base and refiner; the refiner has no CLIP-L).
        std::vector<EncoderRun> runs;
        if (encoders.textEncoder) runs.push_back({encoders.tokenizer, encoders.textEncoder, {}});
        if (sdxl) runs.push_back({encoders.tokenizer2, encoders.textEncoder2, {}});
        std::size_t chunkCount = 1;
        for (EncoderRun& run : runs) {
            for (const std::string& text : texts) {
                run.chunks.push_back(chunkPrompt(*run.tokenizer, text, options.style, options.chunking));
                chunkCount = std::max(chunkCount, run.chunks.back().size());
            }
        }
        for (EncoderRun& run : runs) {
            const PromptChunk empty =
                chunkPrompt(*run.tokenizer, "", options.style, options.chunking).front();
            for (auto& textChunks : run.chunks)
                textChunks.resize(chunkCount, empty);
        }

        const auto textCount = static_cast<int64_t>(texts.size());
        const auto chunks = static_cast<int64_t>(chunkCount);
        std::vector<at::Tensor> parts;
        at::Tensor pooled;
        for (std::size_t e = 0; e < runs.size(); ++e) {
            const ClipTextModelImpl& model = *runs[e].model;
            const int64_t layers = model.config().numLayers;
            const at::Tensor ids = chunkTensor(runs[e].chunks, false);
            at::Tensor hidden;
            if (!sdxl) {
                // last_hidden_state, or final_layer_norm(hidden_states[-(k+1)]): stop after layer L-k.
                hidden = model.forward(ids, layers - skip).lastHiddenState;
            } else if (runs[e].model != encoders.textEncoder2) {
                hidden = model.forward(ids, layers - 1 - skip).hiddenStates.back();
            } else {
                ClipTextOutput out = model.forward(ids);
                hidden = out.hiddenStates[static_cast<std::size_t>(layers - 1 - skip)];
                pooled = out.textEmbeds.view({textCount, chunks, -1}).select(1, 0);
            }
            if (options.style == PromptStyle::A1111)
                hidden = applyEmphasis(hidden, chunkTensor(runs[e].chunks, true));
            parts.push_back(hidden.reshape({textCount, chunks * hidden.size(1), hidden.size(2)}));
        }
        const at::Tensor all = parts.size() == 1 ? parts[0] : at::cat(parts, -1);

        EncodedPrompts result;
        result.style = options.style;
        result.chunks = static_cast<int>(chunkCount);
        result.clipSkip = options.clipSkip;
        const auto b = static_cast<int64_t>(batch);
        result.promptEmbeds = all.narrow(0, 0, b).contiguous();
        if (sdxl) result.pooledPromptEmbeds = pooled.narrow(0, 0, b).contiguous();
        if (classifierFree) {
            std::vector<at::Tensor> negatives, negativePooled;
            for (std::size_t i = 0; i < batch; ++i) {
                const int slot = negativeSlot[i];
                negatives.push_back(slot < 0 ? at::zeros_like(all[0]) : all[slot]);
                if (sdxl) negativePooled.push_back(slot < 0 ? at::zeros_like(pooled[0]) : pooled[slot]);
            }
            result.negativePromptEmbeds = at::stack(negatives);
            if (sdxl) result.negativePooledPromptEmbeds = at::stack(negativePooled);
        }
        return result;
    });
}

} // namespace hdr::diffusion
