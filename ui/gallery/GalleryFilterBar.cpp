#include "ui/gallery/GalleryFilterBar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace hdr::ui {

GalleryFilterBar::GalleryFilterBar(QWidget* parent)
    : QWidget(parent)
    , m_flag(new QComboBox(this))
    , m_rating(new QComboBox(this))
    , m_lora(new QComboBox(this))
    , m_finals(new QComboBox(this))
    , m_prompt(new QLineEdit(this))
    , m_sort(new QComboBox(this))
    , m_descending(new QToolButton(this))
{
    using catalog::FlagFilter;
    m_flag->addItem(tr("All flags"), int(FlagFilter::Any));
    m_flag->addItem(tr("Picked"), int(FlagFilter::Picked));
    m_flag->addItem(tr("Unflagged"), int(FlagFilter::Unflagged));
    m_flag->addItem(tr("Not rejected"), int(FlagFilter::NotRejected));
    m_flag->addItem(tr("Rejected"), int(FlagFilter::Rejected));
    m_flag->setToolTip(tr("Show candidates by flag (P pick, X reject, U unflag)"));

    m_rating->addItem(tr("Any rating"), 0);
    for (int stars = 1; stars <= 5; ++stars)
        m_rating->addItem(tr("\u2265 %n star(s)", nullptr, stars), stars);
    m_rating->setToolTip(tr("Show candidates with at least this many stars (keys 0-5)"));

    m_lora->addItem(tr("Any LoRA"), QString());
    m_lora->setToolTip(tr("Show candidates made with this LoRA"));

    m_finals->addItem(tr("Finals: any"), int(catalog::FinalsFilter::Any));
    m_finals->addItem(tr("With final"), int(catalog::FinalsFilter::WithFinals));
    m_finals->addItem(tr("Without final"), int(catalog::FinalsFilter::WithoutFinals));

    m_prompt->setPlaceholderText(tr("Search prompts\u2026"));
    m_prompt->setClearButtonEnabled(true);
    m_prompt->setToolTip(tr("Every word must occur in the prompt (any case)"));

    using catalog::SortKey;
    m_sort->addItem(tr("Sort by time"), int(SortKey::Time));
    m_sort->addItem(tr("Sort by rating"), int(SortKey::Rating));
    m_sort->addItem(tr("Sort by seed"), int(SortKey::Seed));
    m_sort->addItem(tr("Sort by prompt"), int(SortKey::Prompt));
    m_descending->setCheckable(true);
    m_descending->setText(QStringLiteral("\u2193"));
    m_descending->setToolTip(tr("Descending order"));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_flag);
    layout->addWidget(m_rating);
    layout->addWidget(m_lora);
    layout->addWidget(m_finals);
    layout->addWidget(m_prompt, 1);
    layout->addWidget(m_sort);
    layout->addWidget(m_descending);

    const auto notify = [this] {
        if (!m_updating) emit changed();
    };
    for (QComboBox* combo : {m_flag, m_rating, m_lora, m_finals, m_sort})
        connect(combo, &QComboBox::currentIndexChanged, this, notify);
    connect(m_prompt, &QLineEdit::textChanged, this, notify);
    connect(m_descending, &QToolButton::toggled, this, notify);
}

catalog::CandidateFilter GalleryFilterBar::filter() const
{
    catalog::CandidateFilter f;
    f.flag = catalog::FlagFilter(m_flag->currentData().toInt());
    f.minStars = m_rating->currentData().toInt();
    f.lora = m_lora->currentData().toString().toStdString();
    f.finals = catalog::FinalsFilter(m_finals->currentData().toInt());
    f.promptText = m_prompt->text().toStdString();
    return f;
}

catalog::SortOrder GalleryFilterBar::sortOrder() const
{
    return {catalog::SortKey(m_sort->currentData().toInt()), m_descending->isChecked()};
}

void GalleryFilterBar::setFilter(const catalog::CandidateFilter& f)
{
    m_updating = true;
    m_flag->setCurrentIndex(std::max(0, m_flag->findData(int(f.flag))));
    m_rating->setCurrentIndex(std::max(0, m_rating->findData(f.minStars)));
    m_lora->setCurrentIndex(std::max(0, m_lora->findData(QString::fromStdString(f.lora))));
    m_finals->setCurrentIndex(std::max(0, m_finals->findData(int(f.finals))));
    m_prompt->setText(QString::fromStdString(f.promptText));
    m_updating = false;
    emit changed();
}

void GalleryFilterBar::setSortOrder(const catalog::SortOrder& order)
{
    m_updating = true;
    m_sort->setCurrentIndex(std::max(0, m_sort->findData(int(order.key))));
    m_descending->setChecked(order.descending);
    m_updating = false;
    emit changed();
}

void GalleryFilterBar::setLoraNames(const std::vector<std::string>& names)
{
    const QString chosen = m_lora->currentData().toString();
    QStringList wanted;
    for (const std::string& n : names)
        wanted << QString::fromStdString(n);
    QStringList present;
    for (int i = 1; i < m_lora->count(); ++i)
        present << m_lora->itemData(i).toString();
    if (present == wanted) return;
    m_updating = true;
    while (m_lora->count() > 1)
        m_lora->removeItem(1);
    for (const QString& n : wanted)
        m_lora->addItem(n, n);
    const int index = m_lora->findData(chosen);
    m_lora->setCurrentIndex(std::max(0, index));
    m_updating = false;
    if (index < 0 && !chosen.isEmpty()) emit changed(); // the chosen LoRA is gone
}

} // namespace hdr::ui
