#pragma once
// Qt controls configured from a request setting (core/spec/SettingInfo.h): range, step, default,
// tooltip and choices come from the same description as the CLI's flags and the core's checks,
// so a control can never offer a value the core refuses, nor hide one it accepts.
#include "spec/SettingInfo.h"

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace hdr::ui {

// Range from info.min/max (an exclusive minimum becomes min + one step), single step from
// info.multipleOf, value from `defaultValue`, tooltip from info.help.
void configureSpinBox(QSpinBox* box, const spec::SettingInfo& info, const spec::SettingValue& defaultValue);
void configureDoubleSpinBox(QDoubleSpinBox* box,
                            const spec::SettingInfo& info,
                            const spec::SettingValue& defaultValue,
                            double step);
// Items = info.choices (item data = the choice), the default selected, tooltip from info.help.
void configureComboBox(QComboBox* box, const spec::SettingInfo& info, const spec::SettingValue& defaultValue);

} // namespace hdr::ui
