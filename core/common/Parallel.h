#pragma once

#include <cstddef>
#include <functional>

namespace hdr::core {

// Number of worker threads the core uses for data-parallel loops (defaults to the hardware
// concurrency; HDR_THREADS overrides it, and setWorkerThreadCount() from the app or CLI).
int workerThreadCount();
void setWorkerThreadCount(int count);

// Runs body(begin, end) over [0, count) split into chunks of about `grain` items across the
// core's persistent worker pool, the calling thread included. Blocks until all chunks finish;
// rethrows the first exception a chunk threw. Nested calls run serially on the caller.
void parallelFor(std::size_t count,
                 std::size_t grain,
                 const std::function<void(std::size_t, std::size_t)>& body);

} // namespace hdr::core
