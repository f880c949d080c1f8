#include "txt2pdf/dispatch/launcher_worker.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/dispatch/child_process.hpp"
#include "txt2pdf/dispatch/launchers_local.hpp"
#include "txt2pdf/job/worker.hpp"

namespace txt2pdf {
namespace {

std::string object_name(const std::string& bucket, const std::string& key) { return bucket + '\n' + key; }

// One long-lived worker process and our end of its socketpair.
struct Worker {
  pid_t pid = -1;
  int fd = -1;
  int jobs = 0;
  bool reaped = false;
  std::string buffer;  // bytes read after the last complete line

  Worker() = default;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker() { end(std::chrono::milliseconds(0)); }

  // Reaps the process: nullopt while it is alive.
  std::optional<int> try_reap() {
    if (reaped) return std::nullopt;
    const auto status = txt2pdf::try_reap(pid);
    reaped = status.has_value();
    return status;
  }

  // Closes the socket (the worker reads end of input and exits), waits up to `grace`, then
  // SIGKILLs: no process or zombie outlives its Worker.
  int end(std::chrono::milliseconds grace) {
    if (fd >= 0) ::close(fd);
    fd = -1;
    if (reaped || pid <= 0) return 0;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (;;) {
      if (const auto status = try_reap()) return *status;
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    reaped = true;
    return kill_and_reap(pid);
  }
};

bool send_line(int fd, std::string line) {
  line += '\n';
  std::string_view rest = line;
  while (!rest.empty()) {
    const auto sent = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd waiting{fd, POLLOUT, 0};
      (void)::poll(&waiting, 1, 1000);
      continue;
    }
    if (sent <= 0) return false;
    rest.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::unique_ptr<Worker> spawn_worker(const WorkerPoolOptions& options) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw Error(ErrorKind::kTransient, std::string("socketpair: ") + std::strerror(errno));
  }
  std::vector<std::string> argv = options.command;
  if (argv.empty()) argv.push_back(default_job_command());
  argv.emplace_back("worker");
  Environment env = options.env;
  env["TXT2PDF_WORKER_MEMORY_BYTES"] = std::to_string(options.memory_bytes);
  // The worker reads requests on stdin and answers on stdout, both one end of the socketpair.
  ChildStdio stdio;
  stdio.in = fds[1];
  stdio.out = fds[1];
  pid_t pid = 0;
  try {
    pid = spawn_child(argv, environment_entries(env), stdio, "the worker");
  } catch (const Error&) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::close(fds[1]);
  auto worker = std::make_unique<Worker>();
  worker->pid = pid;
  worker->fd = fds[0];
  return worker;
}

// A job that ended before it started (e.g. no credentials to relay).
class FinishedJob final : public RunningJob {
 public:
  explicit FinishedJob(JobOutcome outcome) : outcome_(std::move(outcome)) {}
  [[nodiscard]] const std::string& id() const override { return outcome_.job_id; }
  [[nodiscard]] std::optional<JobOutcome> poll() override { return outcome_; }
  void request_stop() override {}

 private:
  JobOutcome outcome_;
};

}  // namespace

int CrashLedger::record(const std::string& bucket, const std::string& key) {
  return ++crashes_[object_name(bucket, key)];
}

void CrashLedger::clear(const std::string& bucket, const std::string& key) { crashes_.erase(object_name(bucket, key)); }

JobOutcome worker_death_outcome(const std::string& job_id, const std::string& how, int crashes, int crash_limit,
                                bool stopping) {
  JobOutcome outcome;
  outcome.job_id = job_id;
  if (stopping) {
    outcome.exit_code = kExitTransient;
    outcome.detail = "worker stopped before answering (" + how + ")";
  } else if (crashes >= crash_limit) {
    outcome.exit_code = kExitInternal;
    outcome.detail = "worker crashed " + std::to_string(crashes) + " times converting this object (last: " + how + ")";
  } else {
    outcome.exit_code = kExitTransient;
    outcome.detail = "worker crashed (" + how + "), crash " + std::to_string(crashes) + " of " +
                     std::to_string(crash_limit) + " for this object";
  }
  return outcome;
}

struct WorkerLauncher::Pool {
  WorkerPoolOptions options;
  CredentialsProvider& credentials;
  std::vector<std::unique_ptr<Worker>> idle;
  CrashLedger crashes;
  long next_id = 0;

  Pool(WorkerPoolOptions pool_options, CredentialsProvider& provider)
      : options(std::move(pool_options)), credentials(provider) {}

  void give_back(std::unique_ptr<Worker> worker) {
    if (worker->jobs >= options.max_jobs) {
      worker->end(std::chrono::milliseconds(500));  // recycled: a fresh process takes its place
      return;
    }
    idle.push_back(std::move(worker));
  }

  std::unique_ptr<Worker> take() {
    while (!idle.empty()) {
      auto worker = std::move(idle.back());
      idle.pop_back();
      if (!worker->try_reap()) return worker;  // else it died while idle: drop it
    }
    return spawn_worker(options);
  }
};

namespace {

// One conversion on one worker. The worker returns to the pool when its answer arrives.
class WorkerJob final : public RunningJob {
 public:
  WorkerJob(std::shared_ptr<WorkerLauncher::Pool> pool, std::unique_ptr<Worker> worker, JobSpec spec, long request_id)
      : pool_(std::move(pool)),
        worker_(std::move(worker)),
        spec_(std::move(spec)),
        request_id_(request_id),
        id_("worker-" + std::to_string(worker_->pid) + "#" + std::to_string(request_id)) {}
  WorkerJob(const WorkerJob&) = delete;
  WorkerJob& operator=(const WorkerJob&) = delete;
  // Abandoned mid-conversion: the worker's state is unknown, so it ends with the job.
  ~WorkerJob() override = default;

  [[nodiscard]] const std::string& id() const override { return id_; }

  [[nodiscard]] std::optional<JobOutcome> poll() override {
    if (outcome_) return outcome_;
    for (;;) {
      if (const auto newline = worker_->buffer.find('\n'); newline != std::string::npos) {
        return answered(newline);
      }
      char chunk[4096];
      const auto got = ::recv(worker_->fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (got > 0) {
        worker_->buffer.append(chunk, static_cast<std::size_t>(got));
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::nullopt;
      return died();  // end of stream or a reset: the worker is gone
    }
  }

  void request_stop() override {
    stopping_ = true;
    if (worker_ && !worker_->reaped) ::kill(worker_->pid, SIGTERM);
  }

 private:
  std::optional<JobOutcome> answered(std::size_t newline) {
    const auto line = worker_->buffer.substr(0, newline);
    worker_->buffer.erase(0, newline + 1);
    JobOutcome outcome;
    outcome.job_id = id_;
    try {
      const auto result = decode_worker_result(line);
      if (result.id != request_id_) throw Error(ErrorKind::kInternal, "worker answered another request");
      outcome.exit_code = result.exit_code;
      outcome.verified = result.verified;
      outcome.detail = result.detail;
    } catch (const Error& error) {
      // A worker that speaks nonsense is not trusted with another object.
      outcome.exit_code = kExitTransient;
      outcome.detail = std::string("worker protocol error: ") + error.what();
      worker_->end(std::chrono::milliseconds(0));
      outcome_ = outcome;
      return outcome_;
    }
    pool_->crashes.clear(spec_.source_bucket, spec_.object_key);
    ++worker_->jobs;
    if (stopping_) {
      worker_->end(std::chrono::milliseconds(500));  // it was told to stop: it exits after answering
    } else {
      pool_->give_back(std::move(worker_));
    }
    outcome_ = outcome;
    return outcome_;
  }

  std::optional<JobOutcome> died() {
    const int status = worker_->end(std::chrono::milliseconds(1000));
    const auto how = describe_wait_status(status);
    const int crashes = stopping_ ? 0 : pool_->crashes.record(spec_.source_bucket, spec_.object_key);
    outcome_ = worker_death_outcome(id_, how, crashes, pool_->options.crash_limit, stopping_);
    return outcome_;
  }

  std::shared_ptr<WorkerLauncher::Pool> pool_;
  std::unique_ptr<Worker> worker_;
  JobSpec spec_;
  long request_id_;
  std::string id_;
  bool stopping_ = false;
  std::optional<JobOutcome> outcome_;
};

}  // namespace

WorkerLauncher::WorkerLauncher(WorkerPoolOptions options, CredentialsProvider& credentials)
    : pool_(std::make_shared<Pool>(std::move(options), credentials)) {
  auto& command = pool_->options.command;
  const bool configured = !command.empty();
  if (!configured) command.push_back(default_job_command());
  // Refused here, at start-up (exit 64), as the local launcher does, rather than once per message.
  if (!find_executable(command[0], pool_->options.env)) {
    throw Error(ErrorKind::kConfig, configured ? "JOB_COMMAND names \"" + command[0] +
                                                     "\", which is not an executable file (or not in PATH)"
                                               : "JOB_COMMAND is not set and " + command[0] +
                                                     " (txt2pdf-job beside the dispatcher) is not an executable file");
  }
  if (pool_->options.max_jobs < 1) pool_->options.max_jobs = 1;
  if (pool_->options.crash_limit < 1) pool_->options.crash_limit = 1;
}

WorkerLauncher::~WorkerLauncher() {
  for (auto& worker : pool_->idle) worker->end(std::chrono::milliseconds(1000));
  pool_->idle.clear();
}

std::unique_ptr<RunningJob> WorkerLauncher::start(const JobSpec& spec) {
  WorkerRequest request;
  request.id = ++pool_->next_id;
  request.source_bucket = spec.source_bucket;
  request.object_key = spec.object_key;
  request.dest_bucket = spec.dest_bucket;
  request.dest_key = spec.dest_key;
  try {
    request.credentials = pool_->credentials.get();
  } catch (const Error& error) {
    JobOutcome outcome;
    outcome.job_id = "worker-request#" + std::to_string(request.id);
    outcome.exit_code = exit_code_for(error);
    outcome.detail = std::string("no credentials for the worker: ") + error.what();
    return std::make_unique<FinishedJob>(outcome);
  }
  const auto line = encode_worker_request(request);
  // A worker may have died since it was last used; one fresh worker is tried after that.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto worker = pool_->take();
    if (send_line(worker->fd, line)) {
      return std::make_unique<WorkerJob>(pool_, std::move(worker), spec, request.id);
    }
    worker->end(std::chrono::milliseconds(0));
  }
  throw Error(ErrorKind::kTransient, "no worker accepted the request (each closed its socket)");
}

}  // namespace txt2pdf
