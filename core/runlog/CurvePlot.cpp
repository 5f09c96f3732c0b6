#include "runlog/CurvePlot.h"

#include "runlog/BitmapFont.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace hdr::runlog {

namespace {

constexpr Rgb kBackground{255, 255, 255};
constexpr Rgb kGrid{228, 228, 228};
constexpr Rgb kFrame{90, 90, 90};
constexpr Rgb kText{40, 40, 40};

bool drawable(double x, double y, bool logY)
{
    return std::isfinite(x) && std::isfinite(y) && (!logY || y > 0);
}

struct Range {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    bool valid() const { return lo <= hi; }
    void add(double v)
    {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
};

// Widens a degenerate range and pads a real one by 5% on each side.
void pad(Range& range)
{
    const double span = range.hi - range.lo;
    if (!(span > 0)) {
        const double d = range.lo != 0 ? std::fabs(range.lo) * 0.1 : 1.0;
        range.lo -= d;
        range.hi += d;
    } else {
        range.lo -= span * 0.05;
        range.hi += span * 0.05;
    }
}

std::string cleanExponent(std::string text)
{
    const std::size_t e = text.find('e');
    if (e == std::string::npos) {
        return text;
    }
    std::string mantissa = text.substr(0, e);
    if (mantissa.find('.') != std::string::npos) {
        while (!mantissa.empty() && mantissa.back() == '0') {
            mantissa.pop_back();
        }
        if (!mantissa.empty() && mantissa.back() == '.') {
            mantissa.pop_back();
        }
    }
    std::string exponent = text.substr(e + 1);
    const bool negative = !exponent.empty() && exponent[0] == '-';
    if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) {
        exponent.erase(0, 1);
    }
    while (exponent.size() > 1 && exponent[0] == '0') {
        exponent.erase(0, 1);
    }
    return mantissa + "e" + (negative ? "-" : "") + exponent;
}

} // namespace

std::optional<std::pair<double, double>> PlotMapping::toPixel(double x, double y) const
{
    if (!drawable(x, y, logY)) {
        return std::nullopt;
    }
    const double yValue = logY ? std::log10(y) : y;
    const double px = frame.x + (x - xMin) / (xMax - xMin) * (frame.width - 1);
    const double py = frame.y + (frame.height - 1) - (yValue - yMin) / (yMax - yMin) * (frame.height - 1);
    return std::make_pair(px, py);
}

std::vector<double> niceTicks(double lo, double hi, int target)
{
    std::vector<double> ticks;
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo) || target < 1) {
        return ticks;
    }
    const double raw = (hi - lo) / target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double factor : {1.0, 2.0, 5.0, 10.0}) {
        step = factor * magnitude;
        if (raw <= step) {
            break;
        }
    }
    const double first = std::ceil(lo / step - 1e-9);
    for (double k = first; k * step <= hi + step * 1e-9 && ticks.size() < 100; k += 1) {
        const double value = k * step;
        ticks.push_back(std::fabs(value) < step * 1e-9 ? 0.0 : value);
    }
    return ticks;
}

std::string formatTick(double value, double step)
{
    if (value == 0) {
        return "0";
    }
    char text[64];
    const double magnitude = std::fabs(value);
    const double stepExponent = std::floor(std::log10(std::fabs(step) > 0 ? std::fabs(step) : magnitude));
    if (magnitude >= 1e5 || magnitude < 1e-3) {
        const int digits = std::clamp(int(std::floor(std::log10(magnitude)) - stepExponent), 0, 6);
        std::snprintf(text, sizeof text, "%.*e", digits, value);
        return cleanExponent(text);
    }
    const int decimals = std::clamp(int(-stepExponent), 0, 8);
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

Rgb seriesColor(std::size_t index)
{
    static constexpr Rgb kPalette[] = {
        {31, 119, 180},
        {230, 97, 1},
        {44, 160, 44},
        {214, 39, 40},
        {148, 103, 189},
        {140, 86, 75},
        {227, 119, 194},
        {90, 90, 90},
        {188, 189, 34},
        {23, 190, 207},
    };
    return kPalette[index % (sizeof kPalette / sizeof kPalette[0])];
}

CurvePlot::CurvePlot(CurvePlotOptions options)
    : m_options(std::move(options))
{
}

void CurvePlot::addSeries(PlotSeries series)
{
    m_series.push_back(std::move(series));
}

bool CurvePlot::hasData() const
{
    for (const auto& series : m_series) {
        for (std::size_t i = 0; i < std::min(series.x.size(), series.y.size()); ++i) {
            if (drawable(series.x[i], series.y[i], m_options.logY)) {
                return true;
            }
        }
    }
    return false;
}

PlotMapping CurvePlot::draw(Canvas& canvas, PixelRect area) const
{
    const bool logY = m_options.logY;
    Range xRange, yRange;
    for (const auto& series : m_series) {
        for (std::size_t i = 0; i < std::min(series.x.size(), series.y.size()); ++i) {
            if (drawable(series.x[i], series.y[i], logY)) {
                xRange.add(series.x[i]);
                yRange.add(logY ? std::log10(series.y[i]) : series.y[i]);
            }
        }
    }
    if (!xRange.valid()) {
        xRange = {0, 1};
        yRange = {0, 1};
    }
    if (!(xRange.hi > xRange.lo)) {
        xRange.lo -= 0.5;
        xRange.hi += 0.5;
    }
    pad(yRange);

    // Ticks (values on the data scale) and their labels.
    std::vector<double> yTicks;
    double yStep = 1;
    if (logY && yRange.hi - yRange.lo >= 1) {
        const int first = int(std::ceil(yRange.lo)), last = int(std::floor(yRange.hi));
        const int every = std::max(1, (last - first + 1 + 5) / 6);
        for (int k = first; k <= last; k += every) {
            yTicks.push_back(std::pow(10.0, k));
        }
    } else {
        const double lo = logY ? std::pow(10.0, yRange.lo) : yRange.lo;
        const double hi = logY ? std::pow(10.0, yRange.hi) : yRange.hi;
        yTicks = niceTicks(lo, hi, 5);
        yStep = yTicks.size() >= 2 ? yTicks[1] - yTicks[0] : (hi - lo);
    }
    const std::vector<double> xTicks = niceTicks(xRange.lo, xRange.hi, 6);
    const double xStep = xTicks.size() >= 2 ? xTicks[1] - xTicks[0] : (xRange.hi - xRange.lo);
    std::vector<std::string> yLabels;
    int yLabelWidth = 0;
    const int scale = area.height >= 400 ? 2 : 1;
    for (double tick : yTicks) {
        yLabels.push_back(formatTick(tick, logY && yStep == 1 ? tick : yStep));
        yLabelWidth = std::max(yLabelWidth, textWidth(yLabels.back(), scale));
    }

    const int charHeight = textHeight(scale);
    const int top = 6 * scale + (m_options.title.empty() ? 0 : charHeight + 6 * scale);
    const int left = yLabelWidth + 8 * scale;
    const int bottom = charHeight + 6 * scale + (m_options.xLabel.empty() ? 0 : charHeight + 6 * scale) + 4;
    const int right = 12 * scale;
    PlotMapping mapping;
    mapping.frame = {area.x + left,
                     area.y + top,
                     std::max(area.width - left - right, 16),
                     std::max(area.height - top - bottom, 16)};
    mapping.xMin = xRange.lo;
    mapping.xMax = xRange.hi;
    mapping.yMin = yRange.lo;
    mapping.yMax = yRange.hi;
    mapping.logY = logY;
    const PixelRect& frame = mapping.frame;

    canvas.setClip(area);
    canvas.fillRect(area, kBackground);

    // Grid and tick labels.
    for (std::size_t i = 0; i < yTicks.size(); ++i) {
        const auto at = mapping.toPixel(xRange.lo, yTicks[i]);
        if (!at || at->second < frame.y - 0.5 || at->second > frame.y + frame.height - 0.5) {
            continue;
        }
        const int y = int(std::lround(at->second));
        canvas.fillRect({frame.x, y, frame.width, 1}, kGrid);
        canvas.drawText(
            frame.x - 4 * scale - textWidth(yLabels[i], scale), y - charHeight / 2, yLabels[i], kText, scale);
    }
    int labelRight = std::numeric_limits<int>::min();
    for (double tick : xTicks) {
        const auto at = mapping.toPixel(tick, logY ? std::pow(10.0, yRange.lo) : yRange.lo);
        if (!at) {
            continue;
        }
        const int x = int(std::lround(at->first));
        canvas.fillRect({x, frame.y, 1, frame.height}, kGrid);
        const std::string label = formatTick(tick, xStep);
        const int width = textWidth(label, scale);
        const int labelLeft = x - width / 2;
        if (labelLeft > labelRight + 4 * scale) { // skip labels that would overlap the previous one
            canvas.drawText(labelLeft, frame.y + frame.height + 4 * scale, label, kText, scale);
            labelRight = labelLeft + width;
        }
    }

    // Series, clipped to the frame.
    canvas.setClip(frame);
    const double lineWidth = scale == 1 ? 1.5 : 2.5;
    const double dashOn = 8.0 * scale, dashOff = 5.0 * scale;
    for (const auto& series : m_series) {
        // A plain flag and coordinates rather than std::optional: GCC 12 reports a false
        // maybe-uninitialized on the optional's members at -O3.
        bool havePrevious = false;
        double previousX = 0, previousY = 0;
        double travelled = 0; // along the dash pattern
        const std::size_t count = std::min(series.x.size(), series.y.size());
        for (std::size_t i = 0; i < count; ++i) {
            const auto at = mapping.toPixel(series.x[i], series.y[i]);
            if (!at) {
                havePrevious = false;
                continue;
            }
            const auto [x, y] = *at;
            const bool isolated =
                !havePrevious && (i + 1 >= count || !mapping.toPixel(series.x[i + 1], series.y[i + 1]));
            if (isolated) {
                canvas.drawLine(x, y, x, y, lineWidth + 2, series.color);
            } else if (havePrevious && !series.dashed) {
                canvas.drawLine(previousX, previousY, x, y, lineWidth, series.color);
            } else if (havePrevious) {
                const double dx = x - previousX, dy = y - previousY;
                const double length = std::hypot(dx, dy);
                double done = 0;
                while (done < length) {
                    const double phase = std::fmod(travelled, dashOn + dashOff);
                    const double piece =
                        std::min(phase < dashOn ? dashOn - phase : dashOn + dashOff - phase, length - done);
                    if (phase < dashOn) {
                        const double a = done / length, b = (done + piece) / length;
                        canvas.drawLine(previousX + dx * a,
                                        previousY + dy * a,
                                        previousX + dx * b,
                                        previousY + dy * b,
                                        lineWidth,
                                        series.color);
                    }
                    done += piece;
                    travelled += piece;
                }
            }
            havePrevious = true;
            previousX = x;
            previousY = y;
        }
    }
    canvas.setClip(area);

    // Frame, title, axis label, legend.
    canvas.fillRect({frame.x, frame.y, frame.width, 1}, kFrame);
    canvas.fillRect({frame.x, frame.y + frame.height - 1, frame.width, 1}, kFrame);
    canvas.fillRect({frame.x, frame.y, 1, frame.height}, kFrame);
    canvas.fillRect({frame.x + frame.width - 1, frame.y, 1, frame.height}, kFrame);
    if (!m_options.title.empty()) {
        canvas.drawText(frame.x + (frame.width - textWidth(m_options.title, scale)) / 2,
                        area.y + 4 * scale,
                        m_options.title,
                        kText,
                        scale);
    }
    if (!m_options.xLabel.empty()) {
        canvas.drawText(frame.x + (frame.width - textWidth(m_options.xLabel, scale)) / 2,
                        frame.y + frame.height + charHeight + 10 * scale,
                        m_options.xLabel,
                        kText,
                        scale);
    }
    if (!hasData()) {
        const std::string text = "no data yet";
        canvas.drawText(frame.x + (frame.width - textWidth(text, scale)) / 2,
                        frame.y + (frame.height - charHeight) / 2,
                        text,
                        kFrame,
                        scale);
    }
    int legendWidth = 0;
    for (const auto& series : m_series) {
        legendWidth = std::max(legendWidth, textWidth(series.name, scale));
    }
    if (!m_series.empty() && legendWidth > 0) {
        const int sample = 16 * scale, gap = 4 * scale, rowHeight = charHeight + 4 * scale;
        const PixelRect box{frame.x + frame.width - (legendWidth + sample + 3 * gap) - 6 * scale,
                            frame.y + 6 * scale,
                            legendWidth + sample + 3 * gap,
                            int(m_series.size()) * rowHeight + gap};
        for (int y = box.y; y < box.y + box.height; ++y) {
            for (int x = box.x; x < box.x + box.width; ++x) {
                canvas.blend(x, y, kBackground, 0.85);
            }
        }
        for (std::size_t i = 0; i < m_series.size(); ++i) {
            const int rowTop = box.y + gap + int(i) * rowHeight;
            const double lineY = rowTop + charHeight / 2.0;
            if (m_series[i].dashed) {
                canvas.drawLine(
                    box.x + gap, lineY, box.x + gap + sample * 0.4, lineY, lineWidth, m_series[i].color);
                canvas.drawLine(box.x + gap + sample * 0.6,
                                lineY,
                                box.x + gap + sample,
                                lineY,
                                lineWidth,
                                m_series[i].color);
            } else {
                canvas.drawLine(
                    box.x + gap, lineY, box.x + gap + sample, lineY, lineWidth, m_series[i].color);
            }
            canvas.drawText(box.x + 2 * gap + sample, rowTop, m_series[i].name, kText, scale);
        }
    }
    canvas.resetClip();
    return mapping;
}

} // namespace hdr::runlog
