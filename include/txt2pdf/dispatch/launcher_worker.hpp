// LAUNCHER=worker (the default): a pool of long-lived `txt2pdf-job worker` processes
// (job/worker.hpp), one conversion at a time each, requests and results as JSON lines on a
// socketpair. Why processes and not threads: a crash, an abort or an out-of-memory in one
// conversion ends only its worker; the dispatcher sees the socket close, reports that object as
// failed transiently (75) and starts another worker, and every other message is untouched. The
// same object crashing its worker `crash_limit` times in a row reports 70 with "worker crashed" in
// the detail (so the dispatcher dead-letters it with that reason). Workers are recycled after
// `max_jobs` conversions and each is held to `memory_bytes` of address space (RLIMIT_AS), so the
// pool's memory is bounded by MAX_CONCURRENCY x WORKER_MEMORY_BYTES.
// Credentials: the dispatcher's one provider is asked at each start() and its current
// credentials travel with the request, so no worker runs a credentials chain of its own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/dispatch/launcher.hpp"

namespace txt2pdf {

struct WorkerPoolOptions {
  std::vector<std::string> command;         // the job program (+ arguments); "worker" is appended
  Environment env;                          // the workers' environment (the dispatcher's)
  int max_jobs = 500;                       // WORKER_MAX_JOBS: conversions before a worker is replaced
  std::uint64_t memory_bytes = 1ull << 30;  // WORKER_MEMORY_BYTES: RLIMIT_AS per worker, 0 = none
  int crash_limit = 2;                      // WORKER_CRASH_LIMIT: crashes of one object before it is permanent
};

// Consecutive worker crashes per object (bucket, key), kept by the launcher. Pure bookkeeping.
class CrashLedger {
 public:
  // Counts one more crash of the object and returns the count.
  int record(const std::string& bucket, const std::string& key);
  void clear(const std::string& bucket, const std::string& key);

 private:
  std::map<std::string, int> crashes_;
};

// Pure: the outcome for a job whose worker died before answering. `how` says how it ended
// ("killed by signal 9"); `stopping` when the dispatcher asked it to stop (not a crash).
[[nodiscard]] JobOutcome worker_death_outcome(const std::string& job_id, const std::string& how, int crashes,
                                              int crash_limit, bool stopping);

class WorkerLauncher final : public Launcher {
 public:
  // `credentials` must outlive the launcher. No process starts until the first start(). Throws
  // Error(kConfig) naming JOB_COMMAND when the job program is not an executable file.
  WorkerLauncher(WorkerPoolOptions options, CredentialsProvider& credentials);
  ~WorkerLauncher() override;
  WorkerLauncher(const WorkerLauncher&) = delete;
  WorkerLauncher& operator=(const WorkerLauncher&) = delete;

  [[nodiscard]] std::string name() const override { return "worker"; }
  // Hands the object to an idle worker (starting one when none is idle). Not thread-safe: call
  // from one thread, as the dispatcher does. Throws Error(kTransient) when no worker can start,
  // kConfig when the job program cannot be executed.
  [[nodiscard]] std::unique_ptr<RunningJob> start(const JobSpec& spec) override;

  struct Pool;

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace txt2pdf
