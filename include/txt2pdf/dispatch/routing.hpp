// LAUNCHER=auto: where each object converts. Small objects go to the worker pool (no process
// start, kept-alive connections: milliseconds and no per-file cost); large ones, and those whose
// uploader asked for the pool of the seed design (x-amz-meta-processor-type: pool), go to AWS
// Batch (or ECS RunTask with AUTO_LARGE_LAUNCHER=ecs), where a container with its own memory
// takes them. Pure: the dispatcher HEADs the source and calls this.
#pragma once

#include <cstdint>
#include <string>

#include "txt2pdf/dispatch/dispatcher.hpp"

namespace txt2pdf {

// Measured with `txt2pdf-job render` on the 2-core development machine (loaded, README "The
// worker pool"): a 32 MiB log renders in 1.2-1.8 s with 54 MB of peak RSS (8.3 MB of PDF, which
// the worker also holds while it uploads), and it still renders under a 256 MiB RLIMIT_AS; the
// default WORKER_MEMORY_BYTES (1 GiB) leaves room. Beyond that size a Batch job's fixed start
// (tens of seconds) is a small share of the work and its container has memory of its own.
inline constexpr std::uint64_t kDefaultInprocessMaxBytes = 32ull << 20;

struct RoutingRule {
  std::uint64_t inprocess_max_bytes = kDefaultInprocessMaxBytes;  // INPROCESS_MAX_BYTES
  std::string small_launcher = "worker";
  std::string large_launcher = "batch";  // AUTO_LARGE_LAUNCHER: batch or ecs
};

// Reasons (the /metrics label): "processor-type-pool", "over-inprocess-max", "within-inprocess-max".
[[nodiscard]] RouteDecision route_by_size(const RoutingRule& rule, const ObjectHead& source);

}  // namespace txt2pdf
