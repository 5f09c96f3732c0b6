#pragma once

// Helpers shared by the run-folder tests.

#include "runlog/RunData.h"
#include "runlog/RunFollower.h"

#include <QString>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace hdr::runlog::test {

inline std::string readText(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void appendText(const std::filesystem::path& file, const std::string& text)
{
    std::ofstream(file, std::ios::binary | std::ios::app) << text;
}

inline std::vector<std::string> linesOf(const std::string& text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return lines;
}

inline std::vector<std::int64_t> stepsOf(const std::vector<Point>& points)
{
    std::vector<std::int64_t> steps;
    for (const Point& p : points) {
        steps.push_back(p.step);
    }
    return steps;
}

inline std::vector<double> valuesOf(const std::vector<Point>& points)
{
    std::vector<double> values;
    for (const Point& p : points) {
        values.push_back(p.value);
    }
    return values;
}

inline QString describe(const std::vector<core::Error>& problems)
{
    QString text;
    for (const auto& problem : problems) {
        text += QString::fromStdString(problem.describe()) + QLatin1Char('\n');
    }
    return text;
}

} // namespace hdr::runlog::test
