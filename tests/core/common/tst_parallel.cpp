#include "common/Parallel.h"
#include "support/TestSupport.h"

#include <atomic>
#include <numeric>
#include <stdexcept>
#include <vector>

using namespace hdr::core;

class TestParallel : public QObject {
    Q_OBJECT
private slots:
    void coversEveryIndexExactlyOnce()
    {
        for (std::size_t count :
             {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(1000), std::size_t(12345)}) {
            std::vector<std::atomic<int>> hits(count);
            parallelFor(count, 13, [&](std::size_t b, std::size_t e) {
                for (std::size_t i = b; i < e; ++i) {
                    hits[i].fetch_add(1);
                }
            });
            for (std::size_t i = 0; i < count; ++i) {
                QCOMPARE(hits[i].load(), 1);
            }
        }
    }
    void rethrowsTheFirstException()
    {
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, parallelFor(100, 1, [](std::size_t b, std::size_t) {
                                     if (b == 42) {
                                         throw std::runtime_error("chunk 42");
                                     }
                                 }));
        // The pool is still usable afterwards.
        std::atomic<int> n{0};
        parallelFor(10, 1, [&](std::size_t b, std::size_t e) { n += int(e - b); });
        QCOMPARE(n.load(), 10);
    }
    void nestedCallsRunSeriallyWithoutDeadlock()
    {
        std::atomic<long> total{0};
        parallelFor(8, 1, [&](std::size_t, std::size_t) {
            parallelFor(100, 10, [&](std::size_t b, std::size_t e) { total += long(e - b); });
        });
        QCOMPARE(total.load(), 800L);
    }
    void threadCountCanBeSet()
    {
        const int before = workerThreadCount();
        setWorkerThreadCount(1);
        QCOMPARE(workerThreadCount(), 1);
        std::atomic<int> n{0};
        parallelFor(50, 5, [&](std::size_t b, std::size_t e) { n += int(e - b); });
        QCOMPARE(n.load(), 50);
        setWorkerThreadCount(before);
    }
};

HDR_TEST_MAIN(TestParallel)
#include "tst_parallel.moc"
