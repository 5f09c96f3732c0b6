#pragma once
// Runs the hdrstudio-cli built with the tests (HDR_CLI_PATH, set per test target in
// tests/app/CMakeLists.txt) and captures what a user would see: exit code, stdout, stderr.
#include <QProcess>
#include <QString>
#include <QStringList>

namespace hdr::test {

struct CliRun {
    int code = -1;
    QString out, err;
};

// timeoutMs guards against a hang; generation tests pass a longer one.
inline CliRun runCli(const QStringList& args, int timeoutMs = 60000)
{
    QProcess p;
    p.start(QStringLiteral(HDR_CLI_PATH), args);
    p.waitForFinished(timeoutMs);
    return {p.exitCode(),
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace hdr::test
