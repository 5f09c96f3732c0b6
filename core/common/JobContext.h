#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hdr::core {

// A small display-referred preview (8-bit sRGB, RGB interleaved) that long jobs may publish.
struct PreviewFrame {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;
};

// What a long-running core function needs from whoever runs it: a cancel flag, a progress sink
// and a preview sink. Core code calls these often (every row block, tile, step or batch); the
// Qt job system adapts them to QPromise, the CLI to a terminal progress bar, tests to a double.
class JobContext {
public:
    virtual ~JobContext() = default;
    virtual bool isCancelled() const = 0;
    // fraction in [0, 1] of the whole job; stage is a short human label ("Reading", "Merging").
    virtual void setProgress(double fraction, std::string_view stage) = 0;
    virtual void publishPreview(const PreviewFrame& /*frame*/) {}
};

// Does nothing and never cancels: for callers that do not care.
class NullJobContext final : public JobContext {
public:
    bool isCancelled() const override { return false; }
    void setProgress(double, std::string_view) override {}
};

// A context that can be cancelled from another thread; records the last progress (tests, CLI).
class SimpleJobContext : public JobContext {
public:
    bool isCancelled() const override { return m_cancelled.load(std::memory_order_relaxed); }
    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    void setProgress(double fraction, std::string_view) override
    {
        m_progress.store(fraction, std::memory_order_relaxed);
    }
    double progress() const { return m_progress.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
    std::atomic<double> m_progress{0.0};
};

NullJobContext& nullJobContext();

// Throws HdrError(Cancelled) when the job was cancelled; core loops call this often.
void throwIfCancelled(const JobContext& ctx);

} // namespace hdr::core
