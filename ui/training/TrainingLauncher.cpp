#include "ui/training/TrainingLauncher.h"

#include "jobs/JobManager.h"
#include "runlog/RunFolder.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QMetaObject>
#include <QPointer>
#include <QProcess>
#include <QRegularExpression>

namespace hdr::ui {

TrainerLine parseTrainerLine(const QString& line)
{
    TrainerLine parsed;
    static const QRegularExpression run(QStringLiteral(R"(^run:\s+(.+)$)"));
    static const QRegularExpression epoch(QStringLiteral(R"(\bepoch\s+(\d+)\s*/\s*(\d+))"));
    if (const auto m = run.match(line.trimmed()); m.hasMatch()) {
        parsed.runDir = m.captured(1).trimmed();
    }
    if (const auto m = epoch.match(line); m.hasMatch()) {
        parsed.epoch = m.captured(1).toInt();
        parsed.epochs = m.captured(2).toInt();
    }
    return parsed;
}

TrainingLauncher::TrainingLauncher(core::JobManager* jobs, QObject* parent)
    : QObject(parent)
    , m_jobs(jobs)
    , m_program(QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("hdrstudio-cli")))
{
}

void TrainingLauncher::start(const QString& configPath)
{
    launch(tr("Train (%1)").arg(QFileInfo(configPath).fileName()),
           {QStringLiteral("itm"), QStringLiteral("train"), QStringLiteral("--options"), configPath});
}

void TrainingLauncher::resume(const QString& runDir)
{
    launch(tr("Resume %1").arg(QDir(runDir).dirName()),
           {QStringLiteral("itm"),
            QStringLiteral("train"),
            QStringLiteral("--run-dir"),
            runDir,
            QStringLiteral("--resume"),
            QStringLiteral("latest")});
}

void TrainingLauncher::launch(const QString& title, const QStringList& arguments)
{
    QPointer<TrainingLauncher> self = this;
    const QString program = m_program;
    auto future = m_jobs->submit<QString>(
        title, core::JobResource::Io, [=](core::JobContext& job) -> core::Result<QString> {
            QProcess process;
            process.setProcessChannelMode(QProcess::MergedChannels);
            process.start(program, arguments);
            if (!process.waitForStarted(10000)) {
                return core::fail(core::ErrorCode::IoError,
                                  "Cannot start the trainer: " + process.errorString().toStdString(),
                                  program.toStdString());
            }
            QString runDir, tail, pending;
            bool stopAsked = false;
            QElapsedTimer sinceStop;
            while (process.state() != QProcess::NotRunning) {
                process.waitForReadyRead(200);
                pending += QString::fromUtf8(process.readAll());
                for (qsizetype nl; (nl = pending.indexOf(QLatin1Char('\n'))) >= 0;) {
                    const QString line = pending.left(nl);
                    pending.remove(0, nl + 1);
                    tail = (tail + line + QLatin1Char('\n')).right(2000);
                    const TrainerLine parsed = parseTrainerLine(line);
                    if (!parsed.runDir.isEmpty() && runDir.isEmpty()) {
                        runDir = parsed.runDir;
                        QMetaObject::invokeMethod(
                            self,
                            [self, runDir] {
                                if (self) emit self->runStarted(runDir);
                            },
                            Qt::QueuedConnection);
                    }
                    if (parsed.epochs > 0) {
                        job.setProgress(
                            double(parsed.epoch) / parsed.epochs,
                            QStringLiteral("epoch %1/%2").arg(parsed.epoch).arg(parsed.epochs).toStdString());
                    }
                }
                if (job.isCancelled() && !stopAsked) {
                    stopAsked = true;
                    sinceStop.start();
                    if (runDir.isEmpty() || !hdr::runlog::requestStop(runDir.toStdString())) {
                        process.terminate(); // not started far enough to have a run folder
                    }
                }
                if (stopAsked && sinceStop.elapsed() > 60000) {
                    process.kill(); // the trainer did not stop within a minute of being asked
                }
            }
            if (stopAsked) {
                return core::fail(core::ErrorCode::Cancelled,
                                  "Training stopped; resume it from its last checkpoint");
            }
            if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
                return core::fail(core::ErrorCode::Internal,
                                  "The trainer failed (exit " + std::to_string(process.exitCode()) +
                                      "): " + tail.trimmed().toStdString());
            }
            return runDir;
        });
    future.then(this, [this](const core::Result<QString>& result) {
        if (result) {
            emit finished(*result);
        } else if (result.error().code != core::ErrorCode::Cancelled) {
            emit failed(QString::fromStdString(result.error().describe()));
        }
    });
}

} // namespace hdr::ui
