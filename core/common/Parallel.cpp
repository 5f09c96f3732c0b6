#include "common/Parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hdr::core {
namespace {

int defaultThreadCount()
{
    if (const char* env = std::getenv("HDR_THREADS")) {
        const int n = std::atoi(env);
        if (n > 0) {
            return std::min(n, 256);
        }
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int> g_threadCount{0};
thread_local bool t_insideParallelFor = false;

// A batch of chunks shared between the caller and the workers.
struct Batch {
    const std::function<void(std::size_t, std::size_t)>* body = nullptr;
    std::size_t count = 0;
    std::size_t grain = 1;
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    std::size_t chunks = 0;
    std::exception_ptr error;
    std::mutex errorMutex;

    // Claims and runs chunks until none are left; returns how many this thread ran.
    void work()
    {
        t_insideParallelFor = true;
        for (;;) {
            const std::size_t chunk = next.fetch_add(1);
            if (chunk >= chunks) {
                break;
            }
            const std::size_t b = chunk * grain;
            const std::size_t e = std::min(count, b + grain);
            try {
                (*body)(b, e);
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!error) {
                    error = std::current_exception();
                }
            }
            done.fetch_add(1);
        }
        t_insideParallelFor = false;
    }
};

class Pool {
public:
    static Pool& instance()
    {
        static Pool pool;
        return pool;
    }

    void run(Batch& batch, int threads)
    {
        ensureWorkers(threads - 1);
        {
            std::lock_guard lock(m_mutex);
            m_batch = &batch;
            m_wanted = threads - 1;
            ++m_generation;
        }
        m_wake.notify_all();
        batch.work();
        std::unique_lock lock(m_mutex);
        m_finished.wait(lock, [&] { return batch.done.load() == batch.chunks && m_active == 0; });
        m_batch = nullptr;
    }

    ~Pool()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        for (auto& t : m_workers) {
            t.join();
        }
    }

private:
    void ensureWorkers(int n)
    {
        std::lock_guard lock(m_mutex);
        while (int(m_workers.size()) < n) {
            const int index = int(m_workers.size());
            m_workers.emplace_back([this, index] { loop(index); });
        }
    }

    void loop(int index)
    {
        std::uint64_t seen = 0;
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [&] { return m_stop || (m_generation != seen && m_batch); });
            if (m_stop) {
                return;
            }
            seen = m_generation;
            if (index >= m_wanted) {
                continue;
            }
            Batch* batch = m_batch;
            ++m_active;
            lock.unlock();
            batch->work();
            lock.lock();
            --m_active;
            m_finished.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_finished;
    std::vector<std::thread> m_workers;
    Batch* m_batch = nullptr;
    std::uint64_t m_generation = 0;
    int m_wanted = 0;
    int m_active = 0;
    bool m_stop = false;
};

std::mutex g_runMutex; // one batch at a time in the pool; other callers queue here

} // namespace

int workerThreadCount()
{
    int n = g_threadCount.load();
    if (n <= 0) {
        n = defaultThreadCount();
        g_threadCount.store(n);
    }
    return n;
}

void setWorkerThreadCount(int count)
{
    g_threadCount.store(std::clamp(count, 1, 256));
}

void parallelFor(std::size_t count,
                 std::size_t grain,
                 const std::function<void(std::size_t, std::size_t)>& body)
{
    if (count == 0) {
        return;
    }
    grain = std::max<std::size_t>(1, grain);
    const std::size_t chunks = (count + grain - 1) / grain;
    const int threads = int(std::min<std::size_t>(std::size_t(workerThreadCount()), chunks));
    if (threads <= 1 || t_insideParallelFor) {
        body(0, count);
        return;
    }
    Batch batch;
    batch.body = &body;
    batch.count = count;
    batch.grain = grain;
    batch.chunks = chunks;
    {
        std::lock_guard lock(g_runMutex);
        Pool::instance().run(batch, threads);
    }
    if (batch.error) {
        std::rethrow_exception(batch.error);
    }
}

} // namespace hdr::core
