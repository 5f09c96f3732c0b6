#pragma once

#include <QString>
#include <QTest>

#include <filesystem>
#include <string>
#include <vector>

namespace hdr::test {

// Path of a file under ../shared (real data collected from public sources); empty when the
// shared folder is absent (a user's clone): tests then QSKIP with a reason.
std::filesystem::path sharedPath(const std::string& relative);
bool haveShared(const std::string& relative);
// Path under tests/data (small files committed with the tests).
std::filesystem::path testDataPath(const std::string& relative);
// The resources folder of the source tree (OCIO config, ...).
std::filesystem::path resourcePath(const std::string& relative);

// Whole-file bytes, for tests that inspect, truncate or corrupt files.
std::vector<char> readAll(const std::filesystem::path& path);
void writeAll(const std::filesystem::path& path, const std::vector<char>& bytes);

// Hermetic fixture: QStandardPaths test mode, C locale, offscreen, CPU only. Call from
// initTestCase() (QTEST_MAIN-based tests get it through HDR_TEST_MAIN).
void initTestEnvironment();

} // namespace hdr::test

// Skips the current test when a shared data file is missing, saying which and why.
#define HDR_REQUIRE_SHARED(rel)                                                                              \
    do {                                                                                                     \
        if (!hdr::test::haveShared(rel))                                                                     \
            QSKIP(                                                                                           \
                qPrintable(QStringLiteral("needs ../shared/%1 (shared test data, absent in a user's clone)") \
                               .arg(QString::fromStdString(rel))));                                          \
    } while (0)

// Fails the test with the error's message when a Result holds an error.
#define HDR_VERIFY_OK(expr)                                                                                  \
    do {                                                                                                     \
        const auto& hdrResult_ = (expr);                                                                     \
        if (!hdrResult_) QFAIL(qPrintable(QString::fromStdString(hdrResult_.error().describe())));           \
    } while (0)

// QTEST_MAIN variants that install the hermetic fixture first.
#define HDR_TEST_MAIN(TestClass)                                                                             \
    int main(int argc, char** argv)                                                                          \
    {                                                                                                        \
        hdr::test::initTestEnvironment();                                                                    \
        QCoreApplication app(argc, argv);                                                                    \
        TestClass tc;                                                                                        \
        QTEST_SET_MAIN_SOURCE_PATH                                                                           \
        return QTest::qExec(&tc, argc, argv);                                                                \
    }

// The same for widget tests: QApplication, and the test's own includes must bring <QApplication>.
#define HDR_GUI_TEST_MAIN(TestClass)                                                                         \
    int main(int argc, char** argv)                                                                          \
    {                                                                                                        \
        hdr::test::initTestEnvironment();                                                                    \
        QApplication app(argc, argv);                                                                        \
        TestClass tc;                                                                                        \
        QTEST_SET_MAIN_SOURCE_PATH                                                                           \
        return QTest::qExec(&tc, argc, argv);                                                                \
    }
