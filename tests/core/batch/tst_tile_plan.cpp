// Stage 3's tile plan (core/batch/TilePlan.h): tiles cover the image with at least the asked
// overlap, the blend weights sum to one at every pixel (odd sizes, images smaller than a tile,
// overlaps where three tiles meet), the ramps follow the formula and have no steps, and blending
// tiles that agree reproduces the image exactly (no seams).
#include "batch/TilePlan.h"
#include "support/TestSupport.h"

#include <cmath>
#include <numbers>

using namespace hdr::batch;
using hdr::core::ImageF;

namespace {

// Sum of all tile weights per pixel, in double.
std::vector<double> weightSums(const TilePlan& plan)
{
    std::vector<double> sum(std::size_t(plan.width()) * std::size_t(plan.height()), 0.0);
    for (const Tile& t : plan.tiles()) {
        for (int y = 0; y < t.height; ++y)
            for (int x = 0; x < t.width; ++x)
                sum[std::size_t(t.y + y) * std::size_t(plan.width()) + std::size_t(t.x + x)] +=
                    plan.weight(t, x, y);
    }
    return sum;
}

ImageF smoothImage(int width, int height)
{
    ImageF image(width, height, 3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c)
                image.pixel(x, y)[c] = float(0.5 + 0.4 * std::sin(0.05 * x + 0.03 * y + c));
    return image;
}

ImageF crop(const ImageF& image, const Tile& t)
{
    ImageF out(t.width, t.height, image.channels());
    for (int y = 0; y < t.height; ++y)
        for (int x = 0; x < t.width; ++x)
            for (int c = 0; c < image.channels(); ++c)
                out.pixel(x, y)[c] = image.pixel(t.x + x, t.y + y)[c];
    return out;
}

} // namespace

class TestTilePlan : public QObject {
    Q_OBJECT

private slots:
    void coverageAndSums_data()
    {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("tile");
        QTest::addColumn<int>("overlap");
        QTest::addColumn<QString>("blend");
        QTest::newRow("odd sizes") << 1001 << 777 << 256 << 64 << "cosine";
        QTest::newRow("odd sizes linear") << 1001 << 777 << 256 << 64 << "linear";
        QTest::newRow("smaller than a tile") << 300 << 199 << 2048 << 256 << "cosine";
        QTest::newRow("one axis fits") << 2047 << 100 << 512 << 128 << "linear";
        QTest::newRow("exact fit") << 1536 << 1536 << 512 << 0 << "cosine";
        QTest::newRow("three tiles meet") << 523 << 97 << 96 << 80 << "cosine";
        QTest::newRow("three tiles meet linear") << 523 << 97 << 96 << 80 << "linear";
        QTest::newRow("one pixel") << 1 << 1 << 64 << 8 << "linear";
        QTest::newRow("defaults on a 4x SDXL") << 4096 << 4096 << 2048 << 256 << "cosine";
    }
    void coverageAndSums()
    {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, tile);
        QFETCH(int, overlap);
        QFETCH(QString, blend);
        auto plan = TilePlan::make(width, height, tile, overlap, *tileBlendFromName(blend.toStdString()));
        HDR_VERIFY_OK(plan);
        QCOMPARE(int(plan->tiles().size()), plan->columns() * plan->rows());
        for (const Tile& t : plan->tiles()) {
            QCOMPARE(t.width, std::min(tile, width));
            QCOMPARE(t.height, std::min(tile, height));
            QVERIFY(t.x >= 0 && t.x + t.width <= width);
            QVERIFY(t.y >= 0 && t.y + t.height <= height);
        }
        // Neighbours overlap by at least `overlap`; the first starts at 0, the last ends at the edge.
        const auto& tiles = plan->tiles();
        for (int c = 1; c < plan->columns(); ++c) {
            const Tile& a = tiles[std::size_t(c - 1)];
            const Tile& b = tiles[std::size_t(c)];
            QVERIFY(a.x + a.width - b.x >= overlap);
            QVERIFY(b.x > a.x);
        }
        QCOMPARE(tiles.front().x, 0);
        QCOMPARE(tiles.back().x + tiles.back().width, width);
        QCOMPARE(tiles.back().y + tiles.back().height, height);
        double worst = 0.0;
        for (double s : weightSums(*plan))
            worst = std::max(worst, std::abs(s - 1.0));
        QVERIFY2(worst < 1e-6, qPrintable(QString::number(worst)));
        float smallest = 1.0f;
        for (const Tile& t : plan->tiles())
            for (int y = 0; y < t.height; ++y)
                for (int x = 0; x < t.width; ++x)
                    smallest = std::min(smallest, plan->weight(t, x, y));
        QVERIFY(smallest > 0.0f);
    }

    void countsAndStarts()
    {
        // 1001 with 256 / 64: stride 192, 1 + ceil(745 / 192) = 5 tiles at round(i * 745 / 4).
        auto plan = TilePlan::make(1001, 256, 256, 64, TileBlend::Cosine);
        QCOMPARE(plan->columns(), 5);
        QCOMPARE(plan->rows(), 1);
        std::vector<int> starts;
        for (const Tile& t : plan->tiles())
            starts.push_back(t.x);
        QCOMPARE(starts, (std::vector<int>{0, 186, 373, 559, 745}));
        QCOMPARE(TilePlan::make(300, 200, 2048, 256, TileBlend::Cosine)->tiles().size(), std::size_t(1));
    }

    // Two tiles: across their overlap the weights are exactly the ramp, pixel centres at t = (i + 1/2) / n.
    void rampsFollowTheFormula()
    {
        for (TileBlend blend : {TileBlend::Cosine, TileBlend::Linear}) {
            auto plan = TilePlan::make(192, 8, 128, 64, blend);
            QCOMPARE(plan->columns(), 2);
            const Tile& left = plan->tiles()[0];
            const Tile& right = plan->tiles()[1];
            QCOMPARE(right.x, 64);
            for (int x = 0; x < 64; ++x) {
                const double t = (x + 0.5) / 64.0;
                const double rising =
                    blend == TileBlend::Cosine ? 0.5 - 0.5 * std::cos(std::numbers::pi * t) : t;
                QVERIFY(std::abs(plan->weight(right, x, 0) - rising) < 1e-6);
                QVERIFY(std::abs(plan->weight(left, 64 + x, 0) - (1.0 - rising)) < 1e-6);
                QCOMPARE(plan->weight(left, x, 0), 1.0f); // outside the overlap
            }
        }
    }

    void seamless()
    {
        for (TileBlend blend : {TileBlend::Cosine, TileBlend::Linear}) {
            const ImageF image = smoothImage(333, 251);
            auto plan = TilePlan::make(333, 251, 128, 40, blend);
            HDR_VERIFY_OK(plan);
            ImageF out(333, 251, 3);
            for (const Tile& t : plan->tiles())
                HDR_VERIFY_OK(plan->accumulate(t, crop(image, t), out));
            float worst = 0.0f;
            for (int y = 0; y < 251; ++y)
                for (int x = 0; x < 333; ++x)
                    for (int c = 0; c < 3; ++c)
                        worst = std::max(worst, std::abs(out.pixel(x, y)[c] - image.pixel(x, y)[c]));
            QVERIFY2(worst < 1e-5f, qPrintable(QString::number(worst)));

            // Tiles that disagree (each a different flat grey) blend without a step: neighbouring
            // pixels differ by at most the steepest ramp step times the grey difference.
            ImageF blended(333, 251, 3);
            for (const Tile& t : plan->tiles()) {
                ImageF flat(t.width, t.height, 3);
                const float grey = float((t.column + 2 * t.row) % 3) * 0.5f;
                for (int i = 0; i < t.width * t.height * 3; ++i)
                    flat.data()[i] = grey;
                HDR_VERIFY_OK(plan->accumulate(t, flat, blended));
            }
            const double steepest = blend == TileBlend::Cosine ? std::numbers::pi / 2.0 / 40.0 : 1.0 / 40.0;
            double jump = 0.0;
            for (int y = 0; y < 251; ++y)
                for (int x = 1; x < 333; ++x)
                    jump =
                        std::max(jump, double(std::abs(blended.pixel(x, y)[0] - blended.pixel(x - 1, y)[0])));
            QVERIFY2(jump <= 1.0 * steepest * 1.05 + 1e-6, qPrintable(QString::number(jump)));
        }
    }

    void refusals()
    {
        QVERIFY(!TilePlan::make(0, 10, 64, 8, TileBlend::Cosine));
        QVERIFY(!TilePlan::make(10, 10, 64, 64, TileBlend::Cosine));
        QVERIFY(!TilePlan::make(10, 10, 64, -1, TileBlend::Cosine));
        QVERIFY(!TilePlan::make(10, 10, 4, 0, TileBlend::Cosine));
        QVERIFY(!TilePlan::make(1 << 20, 10, 64, 8, TileBlend::Cosine));
        auto plan = TilePlan::make(100, 100, 64, 8, TileBlend::Cosine);
        ImageF out(100, 100, 3);
        QVERIFY(!plan->accumulate(plan->tiles()[0], ImageF(32, 64, 3), out));
        QVERIFY(!plan->accumulate(plan->tiles()[0], ImageF(64, 64, 4), out));
        QCOMPARE(std::string(nameOf(*tileBlendFromName("linear"))), std::string("linear"));
        QVERIFY(!tileBlendFromName("gauss"));
    }
};

HDR_TEST_MAIN(TestTilePlan)
#include "tst_tile_plan.moc"
