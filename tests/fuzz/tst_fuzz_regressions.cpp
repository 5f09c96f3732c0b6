// Every committed regression input (tests/data/<format>-regressions/) replayed through the reader
// its folder names, as an ordinary test: fuzzer findings and hand-made hostile files keep giving
// the outcome recorded for them in that folder's expected.txt, without a fuzzing build.
//
// expected.txt: one line per file, "<file name> <outcome>"; '#' starts a comment. Outcomes:
//   ok <W>x<H>          an image of that size (image formats)
//   ok <N> tensors      a safetensors file with N tensors
//   ok <N> events       a TensorBoard event file with N events read
//   <error code name>   that error, e.g. "corrupt data", "limit exceeded" (Error.h nameOf)
// A file without a line, or a line without a file, fails the test: a new reproducer comes with
// its expected outcome.
#include "common/Error.h"
#include "io/ImageIO.h"
#include "support/TestSupport.h"
#include "tensorboard/EventReader.h"
#include "tensorfile/Safetensors.h"

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

using namespace hdr::core;
namespace fs = std::filesystem;

namespace {

// Outcome of an error, checked to be a clean one: a message, and not an internal failure.
std::string outcomeOf(const Error& error)
{
    if (error.message.empty()) {
        return "error without a message";
    }
    if (error.code == ErrorCode::Internal) {
        return "internal error: " + error.describe();
    }
    return nameOf(error.code);
}

// The reader a folder name stands for ("rgbe-regressions" -> images), applied to one file.
std::optional<std::string> replayFile(const std::string& format, const fs::path& file)
{
    static const std::set<std::string> images{"exr", "rgbe", "hdr", "tiff", "png", "jpeg", "ultrahdr", "dng"};
    if (images.count(format)) {
        const auto image = readImage(file);
        if (!image) {
            return outcomeOf(image.error());
        }
        return "ok " + std::to_string(image->width()) + "x" + std::to_string(image->height());
    }
    if (format == "safetensors") {
        const auto tensors = hdr::diffusion::SafetensorsFile::open(file);
        if (!tensors) {
            return outcomeOf(tensors.error());
        }
        return "ok " + std::to_string((*tensors)->entries().size()) + " tensors";
    }
    if (format == "tensorboard") {
        const auto events = hdr::tensorboard::readEventFile(file);
        if (!events) {
            return outcomeOf(events.error());
        }
        return "ok " + std::to_string(events->eventsRead) + " events";
    }
    return std::nullopt;
}

std::map<std::string, std::string> readExpectations(const fs::path& manifest)
{
    std::map<std::string, std::string> expected;
    std::ifstream in(manifest);
    std::string line;
    while (std::getline(in, line)) {
        line = line.substr(0, line.find('#'));
        std::istringstream fields(line);
        std::string name;
        if (!(fields >> name)) {
            continue;
        }
        std::string outcome;
        std::getline(fields >> std::ws, outcome);
        while (!outcome.empty() && std::isspace(static_cast<unsigned char>(outcome.back()))) {
            outcome.pop_back();
        }
        expected[name] = outcome;
    }
    return expected;
}

} // namespace

class TestFuzzRegressions : public QObject {
    Q_OBJECT

private slots:
    void replay_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("folder");
        const fs::path data = hdr::test::testDataPath("");
        int folders = 0;
        for (const auto& entry : fs::directory_iterator(data)) {
            const std::string name = entry.path().filename().string();
            const std::string suffix = "-regressions";
            if (entry.is_directory() && name.size() > suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
                QTest::newRow(name.c_str())
                    << QString::fromStdString(name.substr(0, name.size() - suffix.size()))
                    << QString::fromStdString(entry.path().string());
                ++folders;
            }
        }
        QVERIFY2(folders >= 4, "the committed regression folders are missing");
    }
    void replay()
    {
        QFETCH(QString, format);
        QFETCH(QString, folder);
        const fs::path dir = folder.toStdString();
        const fs::path manifest = dir / "expected.txt";
        QVERIFY2(fs::exists(manifest), qPrintable(QStringLiteral("%1 has no expected.txt").arg(folder)));
        std::map<std::string, std::string> expected = readExpectations(manifest);
        int replayed = 0;
        for (const auto& entry : fs::directory_iterator(dir)) {
            const std::string name = entry.path().filename().string();
            if (name == "expected.txt" || entry.path().extension() == ".md") {
                continue;
            }
            const auto wanted = expected.find(name);
            QVERIFY2(wanted != expected.end(),
                     qPrintable(QStringLiteral("%1: no expected outcome in expected.txt")
                                    .arg(QString::fromStdString(name))));
            const auto outcome = replayFile(format.toStdString(), entry.path());
            QVERIFY2(outcome, qPrintable(QStringLiteral("no reader for '%1' regressions").arg(format)));
            QCOMPARE(QString::fromStdString(name + ": " + *outcome),
                     QString::fromStdString(name + ": " + wanted->second));
            expected.erase(wanted);
            ++replayed;
        }
        QVERIFY2(
            expected.empty(),
            qPrintable(QStringLiteral("expected.txt names missing files, e.g. %1")
                           .arg(QString::fromStdString(expected.empty() ? "" : expected.begin()->first))));
        QVERIFY(replayed > 0);
    }
};

HDR_TEST_MAIN(TestFuzzRegressions)
#include "tst_fuzz_regressions.moc"
