#include "txt2pdf/dispatch/dispatcher.hpp"

#include <algorithm>
#include <functional>

#include "dispatcher_internal.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

using dispatcher_detail::as_error;
using dispatcher_detail::object_id;
using std::chrono::seconds;

constexpr std::chrono::milliseconds kTick{50};
// While jobs run, the loop looks at them more often: a worker-pool conversion takes milliseconds
// and its slot should not wait a whole tick for the next object.
constexpr std::chrono::milliseconds kBusyTick{5};
constexpr seconds kStopGrace{4};  // after SIGTERM to jobs, within ECS's 30 s stopTimeout

}  // namespace

Dispatcher::Dispatcher(DispatcherConfig config, DispatcherDeps deps)
    : config_(std::move(config)), deps_(std::move(deps)), random_(std::random_device{}()) {}

Dispatcher::~Dispatcher() {
  {
    std::lock_guard lock(mutex_);
    receiving_ = false;
  }
  changed_.notify_all();
  if (receiver_.joinable()) receiver_.join();
}

nlohmann::json Dispatcher::fields(const InFlight& message, const Task* task) const {
  nlohmann::json out = {{"message_id", message.message.message_id}, {"receive_count", message.message.receive_count()}};
  if (task != nullptr) {
    out["bucket"] = task->spec.source_bucket;
    out["key"] = task->spec.object_key;
    if (!task->launcher.empty()) out["launcher"] = task->launcher;
    if (task->job) out["job_id"] = task->job->id();
  }
  return out;
}

int Dispatcher::free_slots_locked() const {
  return config_.max_concurrency - busy_slots_ - static_cast<int>(inbox_.size());
}

int Dispatcher::running_jobs() const {
  int running = 0;
  for (const auto& message : in_flight_) {
    for (const auto& task : message->tasks) running += task.job && task.outcome == Outcome::kPending ? 1 : 0;
  }
  return running;
}

void Dispatcher::receiver_loop() {
  int failures = 0;
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  while (!deps_.stop.stop_requested()) {
    int free = 0;
    {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::milliseconds(200),
                        [this] { return !receiving_ || free_slots_locked() > 0; });
      if (!receiving_) return;
      free = free_slots_locked();
    }
    if (free <= 0) continue;  // backpressure: never receive more than can start
    try {
      auto messages = deps_.receive_queue.receive(std::min(10, free), config_.wait_time, config_.visibility_timeout);
      failures = 0;
      deps_.metrics.receive_succeeded(deps_.clock.now());
      if (messages.empty()) continue;
      deps_.metrics.messages_received(static_cast<int>(messages.size()));
      {
        std::lock_guard lock(mutex_);
        for (auto& message : messages) inbox_.push_back(std::move(message));
      }
      changed_.notify_all();
    } catch (const std::exception& exception) {
      const auto* known = dynamic_cast<const Error*>(&exception);
      const Error error = known != nullptr ? *known : as_error(exception);
      if (error.kind() == ErrorKind::kCancelled) return;
      deps_.metrics.receive_error();
      deps_.metrics.sqs_call(false, deps_.clock.now());
      const auto delay = receive_backoff(++failures, jitter(random_));
      auto log_fields = error_fields(error);
      log_fields["retry_in_ms"] = delay.count();
      log_fields["consecutive_failures"] = failures;
      deps_.log.error("receive failed", log_fields);
      if (deps_.observer != nullptr) deps_.observer->receive_failed(error.what());
      if (!sleep_unless_stopped(deps_.clock, delay, deps_.stop)) return;
    }
  }
}

void Dispatcher::accept_messages() {
  std::deque<sqs::Message> arrived;
  {
    std::lock_guard lock(mutex_);
    arrived.swap(inbox_);
  }
  for (const auto& message : arrived) admit(message);
}

void Dispatcher::admit(const sqs::Message& message) {
  auto entry = std::make_unique<InFlight>();
  entry->message = message;
  // ReceiveMessage set the visibility; renew it a third of the way in, leaving room for a slow tick.
  entry->next_heartbeat = deps_.clock.now() + config_.visibility_timeout / 3;
  try {
    const auto parsed = parse_event_message(message.body);
    entry->format = parsed.format;
    for (const auto& object : parsed.objects) {
      Task task;
      task.object = object;
      task.spec = JobSpec{object.bucket, object.key, config_.dest_bucket, destination_key(config_, object.key)};
      if (const auto reason = refusal_reason(config_, object); !reason.empty()) {
        task.outcome = Outcome::kSkipped;
        task.detail = reason;
        auto log_fields = fields(*entry, &task);
        log_fields["reason"] = reason;
        deps_.log.info("object skipped", log_fields);
      } else if (!running_objects_.insert(object_id(object.bucket, object.key)).second) {
        task.twin = true;  // the same object is already being converted: wait for that job
      }
      if (deps_.observer != nullptr && task.outcome == Outcome::kPending) {
        deps_.observer->object_queued(object.bucket, object.key, task.spec.dest_key);
      }
      entry->tasks.push_back(std::move(task));
    }
    auto log_fields = fields(*entry);
    log_fields["format"] = parsed.format;
    log_fields["objects"] = parsed.objects.size();
    deps_.log.info(parsed.kind == MessageKind::kTestEvent ? "s3:TestEvent received" : "message received", log_fields);
  } catch (const Error& error) {
    entry->malformed = error.what();
    auto log_fields = fields(*entry);
    log_fields.update(error_fields(error));
    deps_.log.warn("malformed message", log_fields);
  } catch (const std::exception& exception) {
    entry->tasks.clear();
    entry->malformed = as_error(exception).what();
    deps_.log.warn("malformed message", fields(*entry));
  }
  {
    std::lock_guard lock(mutex_);
    for (const auto& task : entry->tasks) busy_slots_ += task.outcome == Outcome::kPending && !task.twin ? 1 : 0;
  }
  in_flight_.push_back(std::move(entry));
}

std::string Dispatcher::launcher_for(const InFlight& message, Task& task) {
  if (config_.launcher != "auto") return config_.launcher;
  const auto head = deps_.head_object(task.spec.source_bucket, task.spec.object_key);
  if (!head)
    throw Error(ErrorKind::kNotFound,
                "source object s3://" + task.spec.source_bucket + "/" + task.spec.object_key + " does not exist");
  if (!deps_.route_object) return deps_.route(head->metadata);
  // Size-aware routing (routing.hpp): the decision and its reason in the log and in /metrics.
  const auto decision = deps_.route_object(*head);
  deps_.metrics.routed(decision.launcher, decision.reason);
  auto log_fields = fields(message, &task);
  log_fields.update({{"launcher", decision.launcher},
                     {"reason", decision.reason},
                     {"detail", decision.detail},
                     {"bytes", head->size}});
  deps_.log.info("routed", log_fields);
  return decision.launcher;
}

void Dispatcher::start_task(InFlight& message, Task& task) {
  try {
    task.launcher = launcher_for(message, task);
    const auto found = deps_.launchers.find(task.launcher);
    if (found == deps_.launchers.end() || found->second == nullptr) {
      throw Error(ErrorKind::kConfig, "no launcher \"" + task.launcher + "\" configured");
    }
    task.started = deps_.clock.now();
    task.job = found->second->start(task.spec);
    deps_.metrics.job_started(task.launcher);
    deps_.log.info("job started", fields(message, &task));
    if (deps_.observer != nullptr) deps_.observer->job_started(task.spec.source_bucket, task.spec.object_key);
  } catch (const std::exception& exception) {
    const auto* known = dynamic_cast<const Error*>(&exception);
    const Error error = known != nullptr ? *known : as_error(exception);
    JobOutcome outcome;
    // The one mapping: a launcher that cannot start its command (kConfig) is permanent and goes to
    // the DLQ with the reason; an API failure that may pass (kTransient) comes back later.
    outcome.exit_code = exit_code_for(error);
    outcome.detail = error.what();
    auto log_fields = fields(message, &task);
    log_fields.update(error_fields(error));
    deps_.log.error("job not started", log_fields);
    finish_task(message, task, outcome);
  }
}

void Dispatcher::start_waiting_tasks() {
  int running = running_jobs();
  for (auto& message : in_flight_) {
    for (auto& task : message->tasks) {
      if (running >= config_.max_concurrency) return;
      if (task.outcome != Outcome::kPending || task.twin || task.job) continue;
      start_task(*message, task);
      if (task.job) ++running;
    }
  }
}

void Dispatcher::verify_success(Task& task) {
  // Exit 0 is a claim; the PDF in the bucket with the source's ETag is the proof.
  try {
    const auto source = deps_.head_object(task.spec.source_bucket, task.spec.object_key);
    const auto dest = deps_.head_object(task.spec.dest_bucket, task.spec.dest_key);
    if (!dest) {
      task.outcome = Outcome::kTransient;
      task.detail = "job exited 0 but s3://" + task.spec.dest_bucket + "/" + task.spec.dest_key + " does not exist";
      return;
    }
    if (source) {
      const auto found = dest->metadata.find("source-etag");
      const std::string recorded = found == dest->metadata.end() ? std::string() : found->second;
      if (!same_etag(recorded, source->etag)) {
        task.outcome = Outcome::kTransient;
        task.detail = "PDF source-etag \"" + std::string(unquoted_etag(recorded)) +
                      "\" differs from the source's ETag \"" + std::string(unquoted_etag(source->etag)) + "\"";
        return;
      }
    }
    task.outcome = Outcome::kSucceeded;
  } catch (const std::exception& error) {
    task.outcome = Outcome::kTransient;
    task.detail = std::string("verification failed: ") + error.what();
  }
}

void Dispatcher::finish_task(InFlight& message, Task& task, const JobOutcome& outcome) {
  task.exit_code = outcome.exit_code;
  task.detail = outcome.detail;
  task.outcome = outcome_for_exit_code(outcome.exit_code);
  // A worker's own HEAD after its PUT (launcher_worker.hpp) is the proof: no second HEAD here.
  if (task.outcome == Outcome::kSucceeded && !outcome.verified) verify_success(task);
  task.error_kind = task.outcome == Outcome::kSucceeded ? std::nullopt : error_kind_for_exit_code(task.exit_code);
  if (task.outcome == Outcome::kTransient && task.exit_code == 0) task.error_kind = ErrorKind::kVerifyMismatch;
  if (deps_.observer != nullptr) {
    deps_.observer->job_finished(task.spec.source_bucket, task.spec.object_key, task.outcome == Outcome::kSucceeded,
                                 task.exit_code, task.detail);
  }
  const double elapsed = std::chrono::duration<double>(deps_.clock.now() - task.started).count();
  if (task.job) deps_.metrics.job_finished(task.launcher, task.outcome == Outcome::kSucceeded, elapsed);
  auto log_fields = fields(message, &task);
  log_fields["exit_code"] = task.exit_code;
  log_fields["outcome"] = task.outcome == Outcome::kSucceeded   ? "succeeded"
                          : task.outcome == Outcome::kPermanent ? "permanent"
                                                                : "transient";
  if (!task.detail.empty()) log_fields["detail"] = task.detail;
  if (task.job) log_fields["seconds"] = elapsed;
  if (task.outcome == Outcome::kSucceeded) {
    deps_.log.info("job succeeded", log_fields);
  } else {
    deps_.log.warn("job failed", log_fields);
  }
  // Twins share the outcome of the one job that ran for their object.
  const auto id = object_id(task.spec.source_bucket, task.spec.object_key);
  running_objects_.erase(id);
  for (auto& other : in_flight_) {
    for (auto& twin : other->tasks) {
      if (!twin.twin || twin.outcome != Outcome::kPending ||
          object_id(twin.spec.source_bucket, twin.spec.object_key) != id) {
        continue;
      }
      twin.outcome = task.outcome;
      twin.exit_code = task.exit_code;
      twin.detail = task.detail;
      twin.error_kind = task.error_kind;
      twin.interrupted = task.interrupted;
    }
  }
  {
    std::lock_guard lock(mutex_);
    --busy_slots_;
  }
  changed_.notify_all();
}

// JOB_TIMEOUT_SECONDS: a job past it is asked to stop; one that has not ended kStopGrace later is
// given up (its RunningJob destroyed: a local child is killed) and the message retried.
bool Dispatcher::enforce_job_timeout(InFlight& message, Task& task) {
  if (config_.job_timeout.count() <= 0 || task.interrupted) return false;
  const auto now = deps_.clock.now();
  if (task.stop_sent == Time{}) {
    if (now - task.started < config_.job_timeout) return false;
    task.stop_sent = now;
    auto log_fields = fields(message, &task);
    log_fields["job_timeout_s"] = config_.job_timeout.count();
    deps_.log.warn("job timed out: stopping it", log_fields);
    task.job->request_stop();
    return false;
  }
  if (now - task.stop_sent < kStopGrace) return false;
  JobOutcome outcome;
  outcome.exit_code = kExitTransient;
  outcome.detail = timeout_detail();
  finish_task(message, task, outcome);
  task.job.reset();
  return true;
}

std::string Dispatcher::timeout_detail() const {
  return "job ran longer than JOB_TIMEOUT_SECONDS=" + std::to_string(config_.job_timeout.count()) + " and was stopped";
}

void Dispatcher::poll_jobs() {
  for (auto& message : in_flight_) {
    for (auto& task : message->tasks) {
      if (!task.job || task.outcome != Outcome::kPending) continue;
      try {
        if (auto outcome = task.job->poll()) {
          if (task.stop_sent != Time{}) {
            outcome->detail = timeout_detail() + (outcome->detail.empty() ? "" : " (" + outcome->detail + ")");
          }
          finish_task(*message, task, *outcome);
        } else {
          (void)enforce_job_timeout(*message, task);
        }
      } catch (const std::exception& exception) {
        const auto* known = dynamic_cast<const Error*>(&exception);
        auto log_fields = fields(*message, &task);
        log_fields.update(error_fields(known != nullptr ? *known : as_error(exception)));
        deps_.log.warn("job status unavailable", log_fields);  // asked again next tick
      }
    }
  }
}

int Dispatcher::run() {
  receiver_ = std::thread([this] { receiver_loop(); });
  while (!deps_.stop.stop_requested()) {
    accept_messages();
    start_waiting_tasks();
    poll_jobs();
    settle_messages();
    heartbeat();
    deps_.control_queue.flush();  // batched deletes and visibility changes of this tick
    deps_.metrics.set_in_flight(running_jobs());
    const auto tick = running_jobs() > 0 ? kBusyTick : kTick;
    deps_.metrics.loop_alive(deps_.clock.now());  // /healthz: the loop goes round, busy or not
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, tick, [this] { return !inbox_.empty(); });
  }
  return drain();
}

int Dispatcher::drain() {
  deps_.log.info("stop requested: draining",
                 {{"running_jobs", running_jobs()}, {"drain_timeout_s", config_.drain_timeout.count()}});
  {
    std::lock_guard lock(mutex_);
    receiving_ = false;
  }
  changed_.notify_all();
  if (receiver_.joinable()) receiver_.join();  // its long poll is cancelled by deps_.stop
  // The drain still talks to SQS (and Batch/ECS): through clients that only cut_drain stops.
  accept_messages();  // received but not started: mark as interrupted, returned below
  interrupt_tasks([](const Task& task) { return !task.job && !task.twin; }, "not started before the stop");
  if (!wait_for_running_jobs()) return kExitTransient;
  poll_jobs();
  // Whatever is still unsettled goes back to the queue now rather than after its visibility timeout.
  interrupt_tasks([](const Task&) { return true; }, "still running at the end of the drain");
  settle_messages();
  deps_.control_queue.flush_all();
  deps_.log.info("drained", {{"messages_left", in_flight_.size()}});
  return kExitOk;
}

// Marks the pending tasks that `which` selects as interrupted transient failures: returned at once.
void Dispatcher::interrupt_tasks(const std::function<bool(const Task&)>& which, const std::string& detail) {
  for (auto& message : in_flight_) {
    for (auto& task : message->tasks) {
      if (task.outcome != Outcome::kPending || !which(task)) continue;
      task.outcome = Outcome::kTransient;
      task.interrupted = true;
      task.detail = detail;
      // A job not started holds no object; a running one's object is released by finish_task.
      if (!task.job && !task.twin) running_objects_.erase(object_id(task.spec.source_bucket, task.spec.object_key));
    }
  }
}

// The drain's loop: jobs run to their end, or are stopped at DRAIN_TIMEOUT and given kStopGrace.
// Returns false when a second stop request cuts the drain short.
bool Dispatcher::wait_for_running_jobs() {
  const auto drain_deadline = deps_.clock.now() + config_.drain_timeout;
  bool stopped_jobs = false;
  while (running_jobs() > 0) {
    if (deps_.cut_drain.stop_requested()) {
      deps_.log.warn("second stop request: exiting at once", {{"running_jobs", running_jobs()}});
      return false;
    }
    const auto now = deps_.clock.now();
    if (!stopped_jobs && now >= drain_deadline) {
      deps_.log.warn("drain timeout: stopping running jobs", {{"running_jobs", running_jobs()}});
      for (auto& message : in_flight_) {
        for (auto& task : message->tasks) {
          if (task.job && task.outcome == Outcome::kPending) {
            task.job->request_stop();
            task.interrupted = true;
          }
        }
      }
      stopped_jobs = true;
    }
    if (stopped_jobs && now >= drain_deadline + kStopGrace) break;
    poll_jobs();
    settle_messages();
    heartbeat();
    deps_.control_queue.flush();
    deps_.metrics.loop_alive(deps_.clock.now());
    deps_.clock.sleep_for(kTick);
  }
  return true;
}

}  // namespace txt2pdf
