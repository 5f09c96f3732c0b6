#include "diffusion/nets/Attention.h"

#include "diffusion/nets/Layers.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace hdr::diffusion {
namespace {

std::atomic<AttentionBackend> g_defaultBackend{AttentionBackend::Auto};

constexpr bool kHasSdpa = TORCH_VERSION_MAJOR >= 2;

// Expands the mask to [B, heads, Lq, Lk] (a view with zero strides where broadcast).
at::Tensor expandMask(const at::Tensor& mask, int64_t batch, int64_t heads, int64_t lq, int64_t lk)
{
    at::Tensor m = mask;
    while (m.dim() < 4) {
        m = m.unsqueeze(0);
    }
    return m.expand({batch, heads, lq, lk});
}

at::Tensor attentionBaddbmm(const at::Tensor& q,
                            const at::Tensor& k,
                            const at::Tensor& v,
                            int64_t heads,
                            const at::Tensor& mask,
                            double scale)
{
    const int64_t batch = q.size(0), lq = q.size(1), lk = k.size(1), d = q.size(2) / heads;
    auto split = [&](const at::Tensor& x, int64_t len) {
        return x.reshape({batch, len, heads, d}).transpose(1, 2).reshape({batch * heads, len, d});
    };
    const at::Tensor qh = split(q, lq), kh = split(k, lk), vh = split(v, lk);
    at::Tensor scores;
    if (mask.defined()) {
        const at::Tensor m = expandMask(mask, batch, heads, lq, lk).reshape({batch * heads, lq, lk});
        scores = at::baddbmm(m.to(q.scalar_type()), qh, kh.transpose(1, 2), 1.0, scale);
    } else {
        // Not baddbmm(empty, ..., beta=0): libtorch 1.13's small-matrix CPU kernel reads the
        // uninitialised input even when beta is 0, so NaN garbage leaked into the scores now and
        // then. Scaling q (B*Lq*C) is cheaper than scaling the scores (B*h*Lq*Lk).
        scores = at::bmm(qh * scale, kh.transpose(1, 2));
    }
    at::_softmax_out(scores, scores, -1, false);
    const at::Tensor out = at::bmm(scores, vh);
    return out.view({batch, heads, lq, d}).transpose(1, 2).reshape({batch, lq, heads * d});
}

// Training: the same maths with autograd-capable operations only (the inference paths write into
// preallocated outputs, which autograd cannot differentiate).
at::Tensor attentionDifferentiable(const at::Tensor& q,
                                   const at::Tensor& k,
                                   const at::Tensor& v,
                                   int64_t heads,
                                   const at::Tensor& mask,
                                   double scale)
{
    const int64_t batch = q.size(0), lq = q.size(1), lk = k.size(1), d = q.size(2) / heads;
    auto split = [&](const at::Tensor& x, int64_t len) {
        return x.reshape({batch, len, heads, d}).transpose(1, 2).reshape({batch * heads, len, d});
    };
    at::Tensor scores = at::bmm(split(q, lq) * scale, split(k, lk).transpose(1, 2));
    if (mask.defined()) {
        scores = scores +
                 expandMask(mask.to(q.scalar_type()), batch, heads, lq, lk).reshape({batch * heads, lq, lk});
    }
    const at::Tensor out = at::bmm(at::softmax(scores, -1), split(v, lk));
    return out.view({batch, heads, lq, d}).transpose(1, 2).reshape({batch, lq, heads * d});
}

at::Tensor attentionChunked(const at::Tensor& q,
                            const at::Tensor& k,
                            const at::Tensor& v,
                            int64_t heads,
                            const at::Tensor& mask,
                            double scale)
{
    const int64_t batch = q.size(0), lq = q.size(1), lk = k.size(1), d = q.size(2) / heads;
    // [B, L, h, d] views: each head's [L, d] matrix has row stride h*d and unit column stride,
    // which BLAS/oneDNN take directly, so no head split/merge copies are made.
    // Scaling q once (B*Lq*C) is cheaper than scaling every score block and avoids relying on
    // beta=0 semantics of addmm over uninitialised memory.
    const at::Tensor q4 = (q * scale).view({batch, lq, heads, d});
    const at::Tensor k4 = k.view({batch, lk, heads, d});
    const at::Tensor v4 = v.view({batch, lk, heads, d});
    at::Tensor out = at::empty({batch, lq, heads, d}, q.options());
    const at::Tensor m4 =
        mask.defined() ? expandMask(mask.to(q.scalar_type()), batch, heads, lq, lk) : at::Tensor();

    // A query block's scores (rows x Lk) should stay within ~1 MB of cache.
    const int64_t bytesPerRow = lk * static_cast<int64_t>(q.element_size());
    const int64_t rows = std::clamp<int64_t>((int64_t(1) << 20) / std::max<int64_t>(bytesPerRow, 1), 16, 512);
    const int64_t blocks = (lq + rows - 1) / rows;
    const int64_t items = batch * heads * blocks;
    at::parallel_for(0, items, 1, [&](int64_t begin, int64_t end) {
        at::Tensor scores;
        for (int64_t item = begin; item < end; ++item) {
            const int64_t block = item % blocks;
            const int64_t head = (item / blocks) % heads;
            const int64_t b = item / (blocks * heads);
            const int64_t r0 = block * rows;
            const int64_t n = std::min(rows, lq - r0);
            const at::Tensor qi = q4.select(0, b).select(1, head).narrow(0, r0, n); // [n, d]
            const at::Tensor ki = k4.select(0, b).select(1, head);                  // [Lk, d]
            const at::Tensor vi = v4.select(0, b).select(1, head);                  // [Lk, d]
            if (!scores.defined() || scores.size(0) != n) {
                scores = at::empty({n, lk}, q.options());
            }
            at::mm_out(scores, qi, ki.t());
            if (m4.defined()) {
                scores.add_(m4.select(0, b).select(0, head).narrow(0, r0, n));
            }
            at::_softmax_out(scores, scores, -1, false);
            at::Tensor dst = out.select(0, b).select(1, head).narrow(0, r0, n); // [n, d], row stride h*d
            at::mm_out(dst, scores, vi);
        }
    });
    return out.view({batch, lq, heads * d});
}

at::Tensor attentionSdpa([[maybe_unused]] const at::Tensor& q,
                         [[maybe_unused]] const at::Tensor& k,
                         [[maybe_unused]] const at::Tensor& v,
                         [[maybe_unused]] int64_t heads,
                         [[maybe_unused]] const at::Tensor& mask)
{
#if TORCH_VERSION_MAJOR >= 2
    const int64_t batch = q.size(0), lq = q.size(1), lk = k.size(1), d = q.size(2) / heads;
    auto split = [&](const at::Tensor& x, int64_t len) {
        return x.view({batch, len, heads, d}).transpose(1, 2);
    };
    at::Tensor out = at::scaled_dot_product_attention(
        split(q, lq), split(k, lk), split(v, lk), mask.defined() ? mask.to(q.scalar_type()) : at::Tensor());
    return out.transpose(1, 2).reshape({batch, lq, heads * d});
#else
    throw std::invalid_argument("scaled_dot_product_attention needs libtorch 2.0 or newer");
#endif
}

} // namespace

const char* nameOf(AttentionBackend backend)
{
    switch (backend) {
    case AttentionBackend::Auto: return "auto";
    case AttentionBackend::Baddbmm: return "baddbmm";
    case AttentionBackend::Chunked: return "chunked";
    case AttentionBackend::Sdpa: return "sdpa";
    }
    return "?";
}

bool attentionBackendAvailable(AttentionBackend backend)
{
    return backend != AttentionBackend::Sdpa || kHasSdpa;
}

void setDefaultAttentionBackend(AttentionBackend backend)
{
    g_defaultBackend.store(backend, std::memory_order_relaxed);
}

AttentionBackend defaultAttentionBackend()
{
    return g_defaultBackend.load(std::memory_order_relaxed);
}

at::Tensor attention(const at::Tensor& q,
                     const at::Tensor& k,
                     const at::Tensor& v,
                     int64_t heads,
                     AttentionBackend backend,
                     const at::Tensor& additiveMask)
{
    if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3 || heads <= 0 || q.size(2) % heads != 0 ||
        k.size(2) != q.size(2) || v.size(2) != q.size(2) || k.size(1) != v.size(1) ||
        k.size(0) != q.size(0) || v.size(0) != q.size(0)) {
        throw std::invalid_argument(
            "attention: q/k/v must be [B, L, heads*d] with matching B, channels and Lk");
    }
    const int64_t d = q.size(2) / heads;
    if (flops::active()) {
        flops::add(4 * q.size(0) * q.size(1) * k.size(1) * q.size(2)); // q k^T and p v
    }
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    if (at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad())) {
        return attentionDifferentiable(q, k, v, heads, additiveMask, scale); // training
    }
    if (backend == AttentionBackend::Auto) {
        backend = defaultAttentionBackend();
    }
    if (backend == AttentionBackend::Auto) {
        if (kHasSdpa) {
            backend = AttentionBackend::Sdpa;
        } else {
            // Many blocks to spread over threads and score tensors too big for cache: fuse.
            backend =
                q.size(1) * k.size(1) >= 256 * 256 ? AttentionBackend::Chunked : AttentionBackend::Baddbmm;
        }
    }
    switch (backend) {
    case AttentionBackend::Sdpa: return attentionSdpa(q, k, v, heads, additiveMask);
    case AttentionBackend::Chunked:
        if (q.is_meta() || !q.device().is_cpu()) {
            return attentionBaddbmm(q, k, v, heads, additiveMask, scale);
        }
        return attentionChunked(q.stride(-1) == 1 ? q : q.contiguous(),
                                k.stride(-1) == 1 ? k : k.contiguous(),
                                v.stride(-1) == 1 ? v : v.contiguous(),
                                heads,
                                additiveMask,
                                scale);
    default: return attentionBaddbmm(q, k, v, heads, additiveMask, scale);
    }
}

at::Tensor causalMask(int64_t length, const at::TensorOptions& options)
{
    return at::full({length, length}, -std::numeric_limits<float>::infinity(), options).triu_(1);
}

} // namespace hdr::diffusion
