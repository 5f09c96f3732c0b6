#pragma once
// The gallery's metadata panel: what made the current candidate (prompt, negative, seed, sampler,
// steps, CFG, size, model, LoRAs with strengths), its finals and marks, with buttons to copy the
// prompt and seed for the next run (InvokeAI's "use prompt / use seed").
#include "catalog/Candidate.h"

#include <QWidget>

class QTextBrowser;
class QPushButton;

namespace hdr::ui {

class CandidateDetails : public QWidget {
    Q_OBJECT
public:
    explicit CandidateDetails(QWidget* parent = nullptr);

    void showCandidate(const catalog::Candidate* candidate); // null: nothing selected
    QString text() const;                                    // the panel's plain text (tests, accessibility)

private:
    QTextBrowser* m_browser;
    QPushButton* m_copyPrompt;
    QPushButton* m_copySeed;
    QString m_prompt;
    QString m_seed;
};

// The panel's HTML for a candidate (every value escaped).
QString candidateDetailsHtml(const catalog::Candidate& c);

} // namespace hdr::ui
