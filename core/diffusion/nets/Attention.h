#pragma once
// Multi-head scaled dot-product attention, one function for every network (UNet self/cross
// attention, VAE mid-block attention with 1 head, CLIP causal self-attention), so the kernel can
// be swapped in one place. softmax(q k^T / sqrt(d) + mask) v per head, as in diffusers'
// AttnProcessor (reference/diffusion.md, "Attention").
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

namespace hdr::diffusion {

enum class AttentionBackend {
    Auto,    // Sdpa when the libtorch has it, else Chunked for long sequences, Baddbmm for short ones
    Baddbmm, // diffusers' classic path: per-head copies, one [B*h, Lq, Lk] score tensor, bmm
    Chunked, // fused per (batch, head, query block) in parallel: reads q/k/v in place (no head
             // split copies), scores of one block stay in cache, writes the merged-head output
    Sdpa,    // at::scaled_dot_product_attention (libtorch >= 2.0 only)
};

const char* nameOf(AttentionBackend backend);
bool attentionBackendAvailable(AttentionBackend backend);

// Process-wide choice used when a call passes Auto (benchmarks and tests switch it).
void setDefaultAttentionBackend(AttentionBackend backend);
AttentionBackend defaultAttentionBackend();

// q [B, Lq, heads*d], k and v [B, Lk, heads*d] (any strides with a unit last stride, e.g. views
// of a fused projection); additiveMask broadcastable to [Lq, Lk] or [B, 1|heads, Lq, Lk] (e.g.
// CLIP's causal mask with -inf above the diagonal), undefined for none.
// Returns [B, Lq, heads*d], contiguous, in q's dtype. Throws std::invalid_argument on bad shapes.
at::Tensor attention(const at::Tensor& q,
                     const at::Tensor& k,
                     const at::Tensor& v,
                     int64_t heads,
                     AttentionBackend backend = AttentionBackend::Auto,
                     const at::Tensor& additiveMask = {});

// [L, L] additive causal mask (0 on and below the diagonal, -inf above) in `options`.
at::Tensor causalMask(int64_t length, const at::TensorOptions& options);

} // namespace hdr::diffusion
