#pragma once

#include <QFuture>
#include <QPromise>
#include <QThreadPool>

#include <memory>
#include <type_traits>
#include <utility>

namespace hdr::ui {

// Runs `work` on `pool` and returns its future. A QPromise + QThreadPool::start rather than
// QtConcurrent::run, as core/jobs does (docs/architecture.md: waitForFinished() would otherwise
// steal a queued runnable onto the waiting thread). If `work` throws, the future finishes without
// a result: continuations take the QFuture and check resultCount().
template <typename Fn> QFuture<std::invoke_result_t<Fn>> runInPool(QThreadPool& pool, Fn work)
{
    using T = std::invoke_result_t<Fn>;
    auto promise = std::make_shared<QPromise<T>>();
    QFuture<T> future = promise->future();
    promise->start();
    pool.start([promise, work = std::move(work)]() mutable {
        try {
            promise->addResult(work());
        } catch (...) {
            // No result: the continuation sees resultCount() == 0.
        }
        promise->finish();
    });
    return future;
}

} // namespace hdr::ui
