#pragma once
// One part of a job: its 0..1 progress maps to [base, base + span] of the parent's; cancel and
// previews pass through. For jobs made of steps (batches of a generation, stages of a batch image).
#include "common/JobContext.h"

namespace hdr::core {

class ShareOfJob final : public JobContext {
public:
    ShareOfJob(JobContext& parent, double base, double span)
        : m_parent(parent)
        , m_base(base)
        , m_span(span)
    {
    }
    bool isCancelled() const override { return m_parent.isCancelled(); }
    void setProgress(double fraction, std::string_view stage) override
    {
        m_parent.setProgress(m_base + m_span * fraction, stage);
    }
    void publishPreview(const PreviewFrame& frame) override { m_parent.publishPreview(frame); }

private:
    JobContext& m_parent;
    double m_base, m_span;
};

} // namespace hdr::core
