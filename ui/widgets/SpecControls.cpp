#include "ui/widgets/SpecControls.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>

#include <cmath>
#include <limits>

namespace hdr::ui {
namespace {

double numberOf(const spec::SettingValue& v, double fallback)
{
    if (const auto* i = std::get_if<std::int64_t>(&v)) return double(*i);
    if (const auto* u = std::get_if<std::uint64_t>(&v)) return double(*u);
    if (const auto* d = std::get_if<double>(&v)) return *d;
    return fallback;
}

} // namespace

void configureSpinBox(QSpinBox* box, const spec::SettingInfo& info, const spec::SettingValue& defaultValue)
{
    const int step = info.multipleOf > 0 ? info.multipleOf : 1;
    const double lowest = info.min ? *info.min + (info.minExclusive ? step : 0) : -1e9;
    const double highest = info.max ? *info.max : double(std::numeric_limits<int>::max());
    box->setRange(int(std::max(lowest, double(std::numeric_limits<int>::min()))),
                  int(std::min(highest, double(std::numeric_limits<int>::max()))));
    box->setSingleStep(step);
    box->setValue(int(numberOf(defaultValue, box->minimum())));
    box->setToolTip(QString::fromStdString(info.help));
}

void configureDoubleSpinBox(QDoubleSpinBox* box,
                            const spec::SettingInfo& info,
                            const spec::SettingValue& defaultValue,
                            double step)
{
    const int decimals = std::max(0, int(std::ceil(-std::log10(step))));
    box->setDecimals(decimals);
    box->setRange(info.min ? *info.min + (info.minExclusive ? step : 0.0) : -1e9, info.max ? *info.max : 1e9);
    box->setSingleStep(step);
    box->setValue(numberOf(defaultValue, box->minimum()));
    box->setToolTip(QString::fromStdString(info.help));
}

void configureComboBox(QComboBox* box, const spec::SettingInfo& info, const spec::SettingValue& defaultValue)
{
    box->clear();
    for (const std::string& choice : info.choices) {
        box->addItem(QString::fromStdString(choice), QString::fromStdString(choice));
    }
    if (const auto* text = std::get_if<std::string>(&defaultValue)) {
        box->setCurrentIndex(std::max(0, box->findData(QString::fromStdString(*text))));
    }
    box->setToolTip(QString::fromStdString(info.help));
}

} // namespace hdr::ui
