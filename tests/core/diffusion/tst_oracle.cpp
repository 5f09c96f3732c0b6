// The conformance runner: every case of HDR_ORACLE_CASES/cases.json (default
// ../shared/oracle/public) runs through the runner of its kind and must match the outputs of
// huggingface diffusers/transformers within the oracle README's tolerances. A kind with no runner
// fails; nothing is skipped except when the whole oracle folder is absent (a user's clone).
#include "OracleHarness.h"
#include "diffusion/PythonJson.h"
#include "diffusion/TorchRuntime.h"
#include "support/TestSupport.h"

#include <QtTest>

#include <chrono>

using namespace hdr::test::oracle;

class TestOracle : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        hdr::diffusion::configureTorch();
        m_casesDir = oracleCasesDir();
        if (!m_casesDir.empty()) {
            // Python's json writes -Infinity in scheduler configs; read it as such.
            auto cases = hdr::diffusion::readPythonJsonFile(m_casesDir / "cases.json");
            HDR_VERIFY_OK(cases);
            m_cases = std::move(*cases);
        }
    }

    void runCase_data()
    {
        QTest::addColumn<QString>("name");
        if (m_casesDir.empty()) {
            QTest::newRow("no-oracle") << QString();
            return;
        }
        for (auto it = m_cases.begin(); it != m_cases.end(); ++it) {
            QTest::newRow(it.key().c_str()) << QString::fromStdString(it.key());
        }
    }

    void runCase()
    {
        QFETCH(QString, name);
        if (m_casesDir.empty()) {
            QSKIP("needs ../shared/oracle/public or HDR_ORACLE_CASES (the oracle, absent in a user's clone)");
        }
        const nlohmann::json& meta = m_cases.at(name.toStdString());
        OracleCase c;
        c.name = name.toStdString();
        c.kind = meta.value("kind", std::string());
        c.meta = meta;
        c.casesDir = m_casesDir;
        c.modelsDir = oracleModelsDir(m_casesDir);
        auto file =
            hdr::diffusion::SafetensorsFile::open(m_casesDir / meta.value("file", c.name + ".safetensors"));
        HDR_VERIFY_OK(file);
        c.file = *file;

        const auto runner = oracleRunners().find(c.kind);
        if (runner == oracleRunners().end()) {
            QFAIL(qPrintable(
                QStringLiteral("no runner for kind '%1' yet").arg(QString::fromStdString(c.kind))));
        }
        OracleReport report;
        const auto t0 = std::chrono::steady_clock::now();
        try {
            runner->second(c, report);
        } catch (const std::exception& e) {
            report.fail(std::string("exception: ") + e.what());
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        for (const auto& n : report.notes()) {
            qInfo("  %s", n.c_str());
        }
        qInfo("%s: %d checks, %zu failed, %.2f s",
              c.name.c_str(),
              report.checks(),
              report.failures().size(),
              seconds);
        if (!report.failures().empty()) {
            std::string all;
            for (const auto& f : report.failures()) {
                all += "\n  " + f;
            }
            QFAIL(all.c_str());
        }
        QVERIFY2(report.checks() > 0, "the runner compared nothing");
    }

private:
    std::filesystem::path m_casesDir;
    nlohmann::json m_cases;
};

HDR_TEST_MAIN(TestOracle)
#include "tst_oracle.moc"
