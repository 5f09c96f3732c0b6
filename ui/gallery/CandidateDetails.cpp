#include "ui/gallery/CandidateDetails.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QPushButton>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace hdr::ui {
namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString escaped(const std::string& s)
{
    return qs(s).toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"));
}

QString row(const QString& label, const QString& valueHtml)
{
    return QStringLiteral("<tr><td style='color:gray; padding-right:8px'>%1</td><td>%2</td></tr>")
        .arg(label.toHtmlEscaped(), valueHtml);
}

QString number(double v)
{
    return QString::number(v, 'g', 6);
}

} // namespace

QString candidateDetailsHtml(const catalog::Candidate& c)
{
    QString html;
    html += QStringLiteral("<p><b>%1</b></p>").arg(escaped(c.image.filename().string()));
    html += QStringLiteral("<p>%1</p>")
                .arg(c.prompt.empty() ? QObject::tr("<i>no prompt recorded</i>") : escaped(c.prompt));
    html += QStringLiteral("<table>");
    if (c.negative && !c.negative->empty()) html += row(QObject::tr("Negative"), escaped(*c.negative));
    if (!c.promptOptions.empty()) {
        QStringList options;
        for (const std::string& o : c.promptOptions)
            options << qs(o).toHtmlEscaped();
        html += row(QObject::tr("Options"), options.join(QStringLiteral(", ")));
    }
    if (c.seed) html += row(QObject::tr("Seed"), QString::number(*c.seed));
    QStringList sampling;
    if (!c.sampler.empty()) sampling << qs(c.sampler).toHtmlEscaped();
    if (c.steps > 0) sampling << QObject::tr("%1 steps").arg(c.steps);
    if (c.cfg > 0.0) sampling << QObject::tr("CFG %1").arg(number(c.cfg));
    if (!sampling.isEmpty()) html += row(QObject::tr("Sampler"), sampling.join(QStringLiteral(", ")));
    if (c.width > 0 && c.height > 0) {
        html += row(QObject::tr("Size"), QStringLiteral("%1 \u00d7 %2").arg(c.width).arg(c.height));
    }
    if (!c.modelName.empty()) html += row(QObject::tr("Model"), escaped(c.modelName));
    for (const catalog::LoraUse& l : c.loras) {
        QString value = QStringLiteral("%1 <span style='color:gray'>%2</span>")
                            .arg(escaped(l.name), QObject::tr("strength %1").arg(number(l.strength)));
        html += row(l.kind.empty() ? QObject::tr("LoRA")
                                   : QObject::tr("LoRA (%1)").arg(qs(l.kind).toHtmlEscaped()),
                    value);
    }
    QString marks = QObject::tr("%n star(s)", nullptr, c.marks.stars);
    if (c.marks.flag == catalog::Flag::Picked) marks = QObject::tr("picked") + QStringLiteral(", ") + marks;
    if (c.marks.flag == catalog::Flag::Rejected) marks = QObject::tr("rejected");
    html += row(QObject::tr("Marks"), marks);
    for (const auto& f : c.finals)
        html += row(QObject::tr("Final"), escaped(f.filename().string()));
    if (!c.stamp.empty()) html += row(QObject::tr("Stamp"), escaped(c.stamp));
    html += QStringLiteral("</table>");
    if (!c.problem.empty()) {
        html += QStringLiteral("<p style='color:#d03030'>%1</p>").arg(escaped(c.problem));
    }
    return html;
}

CandidateDetails::CandidateDetails(QWidget* parent)
    : QWidget(parent)
    , m_browser(new QTextBrowser(this))
    , m_copyPrompt(new QPushButton(tr("Copy prompt"), this))
    , m_copySeed(new QPushButton(tr("Copy seed"), this))
{
    m_browser->setOpenLinks(false);
    m_browser->setFocusPolicy(Qt::ClickFocus);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_copyPrompt);
    buttons->addWidget(m_copySeed);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_browser, 1);
    layout->addLayout(buttons);
    connect(
        m_copyPrompt, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_prompt); });
    connect(m_copySeed, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_seed); });
    showCandidate(nullptr);
}

void CandidateDetails::showCandidate(const catalog::Candidate* candidate)
{
    if (!candidate) {
        m_browser->setHtml(tr("<p style='color:gray'>No candidate selected.</p>"));
        m_prompt.clear();
        m_seed.clear();
    } else {
        m_browser->setHtml(candidateDetailsHtml(*candidate));
        m_prompt = qs(candidate->prompt);
        m_seed = candidate->seed ? QString::number(*candidate->seed) : QString();
    }
    m_copyPrompt->setEnabled(!m_prompt.isEmpty());
    m_copySeed->setEnabled(!m_seed.isEmpty());
}

QString CandidateDetails::text() const
{
    return m_browser->toPlainText();
}

} // namespace hdr::ui
