#include "batch/TilePlan.h"

#include <cmath>
#include <numbers>

namespace hdr::batch {
namespace {

double ramp(double t, TileBlend blend)
{
    return blend == TileBlend::Cosine ? 0.5 - 0.5 * std::cos(std::numbers::pi * t) : t;
}

} // namespace

std::optional<TileBlend> tileBlendFromName(std::string_view name)
{
    if (name == "cosine") return TileBlend::Cosine;
    if (name == "linear") return TileBlend::Linear;
    return std::nullopt;
}

const char* nameOf(TileBlend blend)
{
    return blend == TileBlend::Cosine ? "cosine" : "linear";
}

std::vector<TilePlan::Span> TilePlan::planAxis(int length, int tileSize, int overlap, TileBlend blend)
{
    std::vector<Span> spans;
    if (length <= tileSize) {
        spans.push_back({0, length, std::vector<float>(std::size_t(length), 1.0f)});
        return spans;
    }
    const long long stride = tileSize - overlap;
    const long long count = 1 + (length - tileSize + stride - 1) / stride;
    for (long long i = 0; i < count; ++i) {
        const long long start = (i * (length - tileSize) * 2 + (count - 1)) / (2 * (count - 1)); // rounded
        spans.push_back({int(start), tileSize, {}});
    }
    // Raw weights: ramps over the overlaps with the previous and the next tile.
    std::vector<std::vector<double>> raw(spans.size());
    for (std::size_t i = 0; i < spans.size(); ++i) {
        const Span& s = spans[i];
        raw[i].assign(std::size_t(s.length), 1.0);
        if (i > 0) {
            const int begin = s.start, end = spans[i - 1].start + spans[i - 1].length;
            for (int x = begin; x < end; ++x)
                raw[i][std::size_t(x - s.start)] *= ramp((x + 0.5 - begin) / (end - begin), blend);
        }
        if (i + 1 < spans.size()) {
            const int begin = spans[i + 1].start, end = s.start + s.length;
            for (int x = begin; x < end; ++x)
                raw[i][std::size_t(x - s.start)] *= ramp((end - x - 0.5) / (end - begin), blend);
        }
    }
    std::vector<double> sum(std::size_t(length), 0.0);
    for (std::size_t i = 0; i < spans.size(); ++i) {
        for (int x = 0; x < spans[i].length; ++x)
            sum[std::size_t(spans[i].start + x)] += raw[i][std::size_t(x)];
    }
    for (std::size_t i = 0; i < spans.size(); ++i) {
        Span& s = spans[i];
        s.weights.resize(std::size_t(s.length));
        for (int x = 0; x < s.length; ++x)
            s.weights[std::size_t(x)] = float(raw[i][std::size_t(x)] / sum[std::size_t(s.start + x)]);
    }
    return spans;
}

core::Result<TilePlan> TilePlan::make(int width, int height, int tileSize, int overlap, TileBlend blend)
{
    const core::ImageLimits limits;
    if (width < 1 || height < 1 || width > limits.maxDimension || height > limits.maxDimension) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "Cannot tile a " + std::to_string(width) + "x" + std::to_string(height) +
                              " image.");
    }
    if (tileSize < 8 || overlap < 0 || overlap >= tileSize) {
        return core::fail(
            core::ErrorCode::InvalidArgument,
            "Tiles need a size of at least 8 pixels and an overlap from 0 to below the size (got " +
                std::to_string(tileSize) + " and " + std::to_string(overlap) + ").");
    }
    TilePlan plan;
    plan.m_width = width;
    plan.m_height = height;
    plan.m_columns = planAxis(width, tileSize, overlap, blend);
    plan.m_rows = planAxis(height, tileSize, overlap, blend);
    for (std::size_t r = 0; r < plan.m_rows.size(); ++r) {
        for (std::size_t c = 0; c < plan.m_columns.size(); ++c) {
            plan.m_tiles.push_back({plan.m_columns[c].start,
                                    plan.m_rows[r].start,
                                    plan.m_columns[c].length,
                                    plan.m_rows[r].length,
                                    int(c),
                                    int(r)});
        }
    }
    return plan;
}

float TilePlan::weight(const Tile& tile, int x, int y) const
{
    return m_columns[std::size_t(tile.column)].weights[std::size_t(x)] *
           m_rows[std::size_t(tile.row)].weights[std::size_t(y)];
}

core::Status TilePlan::accumulate(const Tile& tile, const core::ImageF& tilePixels, core::ImageF& out) const
{
    if (tilePixels.width() != tile.width || tilePixels.height() != tile.height ||
        tilePixels.channels() != out.channels() || out.width() != m_width || out.height() != m_height) {
        return core::fail(core::ErrorCode::InvalidArgument,
                          "A refined tile does not match its place in the image (" +
                              std::to_string(tilePixels.width()) + "x" + std::to_string(tilePixels.height()) +
                              ", expected " + std::to_string(tile.width) + "x" + std::to_string(tile.height) +
                              ").");
    }
    const int channels = out.channels();
    const std::vector<float>& columnWeights = m_columns[std::size_t(tile.column)].weights;
    for (int y = 0; y < tile.height; ++y) {
        const float rowWeight = m_rows[std::size_t(tile.row)].weights[std::size_t(y)];
        const float* src = tilePixels.row(y);
        float* dst = out.pixel(tile.x, tile.y + y);
        for (int x = 0; x < tile.width; ++x) {
            const float w = rowWeight * columnWeights[std::size_t(x)];
            for (int c = 0; c < channels; ++c)
                dst[x * channels + c] += w * src[x * channels + c];
        }
    }
    return {};
}

} // namespace hdr::batch
