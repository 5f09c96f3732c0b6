#include "jobs/JobManager.h"
#include "support/TestSupport.h"

#include <QSignalSpy>

#include <atomic>
#include <thread>

using namespace hdr::core;
using namespace std::chrono_literals;

class TestJobManager : public QObject {
    Q_OBJECT
private slots:
    void succeedsWithItsResult()
    {
        JobManager jobs;
        QSignalSpy finished(&jobs, &JobManager::jobFinished);
        auto f = jobs.submit<int>(
            QStringLiteral("answer"), JobResource::Compute, [](JobContext& ctx) -> Result<int> {
                ctx.setProgress(0.5, "half way");
                return 42;
            });
        f.waitForFinished();
        QCOMPARE(f.result().value(), 42);
        QTRY_COMPARE(finished.count(), 1);
        const auto info = jobs.jobs().front();
        QCOMPARE(info.state, JobState::Succeeded);
        QCOMPARE(info.progress, 1.0);
    }
    void failedJobsKeepTheirError()
    {
        JobManager jobs;
        auto f = jobs.submit<int>(QStringLiteral("broken"), JobResource::Io, [](JobContext&) -> Result<int> {
            return fail(ErrorCode::CorruptData, "the file is truncated", "/tmp/x.exr");
        });
        f.waitForFinished();
        QVERIFY(!f.result());
        QTRY_COMPARE(jobs.jobs().front().state, JobState::Failed);
        QCOMPARE(jobs.jobs().front().error, QStringLiteral("the file is truncated (/tmp/x.exr)"));
        jobs.clearFinished();
        QCOMPARE(jobs.jobs().size(), 1); // failed jobs stay until the user clears them
        jobs.clearAll();
        QCOMPARE(jobs.jobs().size(), 0);
    }
    void exceptionsBecomeErrors()
    {
        JobManager jobs;
        auto f = jobs.submit<int>(QStringLiteral("throws"),
                                  JobResource::Compute,
                                  [](JobContext&) -> Result<int> { throw std::runtime_error("boom"); });
        f.waitForFinished();
        QVERIFY(!f.result());
        QCOMPARE(f.result().error().message, std::string("boom"));
    }
    void cancelStopsARunningJobAtItsNextCheck()
    {
        JobManager jobs;
        std::atomic<bool> started{false};
        std::atomic<int> iterations{0};
        auto f = jobs.submit<int>(
            QStringLiteral("long"), JobResource::Compute, [&](JobContext& ctx) -> Result<int> {
                started = true;
                for (int i = 0; i < 100000; ++i) {
                    throwIfCancelled(ctx);
                    ++iterations;
                    std::this_thread::sleep_for(1ms);
                }
                return 1;
            });
        QTRY_VERIFY(started.load());
        const quint64 id = jobs.jobs().front().id;
        jobs.cancel(id);
        f.waitForFinished();
        QVERIFY(!f.result());
        QCOMPARE(f.result().error().code, ErrorCode::Cancelled);
        QVERIFY(iterations.load() < 100000);
        QTRY_COMPARE(jobs.job(id)->state, JobState::Cancelled);
    }
    void deviceJobsRunOneAtATime()
    {
        JobManager jobs;
        std::atomic<int> running{0}, maxRunning{0};
        QList<QFuture<Result<int>>> futures;
        for (int i = 0; i < 4; ++i) {
            futures << jobs.submit<int>(
                QStringLiteral("device"), JobResource::Device, [&](JobContext&) -> Result<int> {
                    const int now = ++running;
                    maxRunning = std::max(maxRunning.load(), now);
                    std::this_thread::sleep_for(10ms);
                    --running;
                    return now;
                });
        }
        for (auto& f : futures) {
            f.waitForFinished();
        }
        QCOMPARE(maxRunning.load(), 1);
    }
    void previewsAndProgressReachTheManager()
    {
        JobManager jobs;
        QSignalSpy previews(&jobs, &JobManager::jobPreview);
        auto f = jobs.submit<int>(
            QStringLiteral("preview"), JobResource::Compute, [](JobContext& ctx) -> Result<int> {
                PreviewFrame frame{2, 1, {255, 0, 0, 0, 255, 0}};
                ctx.publishPreview(frame);
                return 0;
            });
        f.waitForFinished();
        QTRY_COMPARE(previews.count(), 1);
        const quint64 id = previews.at(0).at(0).toULongLong();
        QCOMPARE(jobs.preview(id).width, 2);
        QVERIFY(jobs.job(id)->hasPreview);
    }
};

HDR_TEST_MAIN(TestJobManager)
#include "tst_jobmanager.moc"
