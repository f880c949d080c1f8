// The dispatcher: SQS messages in, one job per created object out, the message deleted only once
// every object's PDF is verified (or the failure recorded in the dead-letter queue).
//
// Threads: a receiver thread long-polls (ReceiveMessage, never more than the free job slots) and
// hands messages over; the calling thread starts jobs, polls them, sends visibility heartbeats,
// verifies, deletes, retries and dead-letters. Each side has its own MessageQueue (and so its own
// HTTP connection: HttpClient is not thread-safe).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "txt2pdf/aws/sqs.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/dispatch/events.hpp"
#include "txt2pdf/dispatch/launcher.hpp"
#include "txt2pdf/dispatch/status_board.hpp"
#include "txt2pdf/net/health.hpp"

namespace txt2pdf {

// The SQS operations the dispatcher needs, on its queue and dead-letter queue (a seam for tests).
class MessageQueue {
 public:
  virtual ~MessageQueue() = default;
  [[nodiscard]] virtual std::vector<sqs::Message> receive(int max_messages, std::chrono::seconds wait,
                                                          std::chrono::seconds visibility) = 0;
  virtual void delete_message(const std::string& receipt_handle) = 0;
  virtual void change_visibility(const std::string& receipt_handle, std::chrono::seconds timeout) = 0;
  // Throws Error(kConfig) when there is no dead-letter queue.
  virtual void send_to_dead_letters(const std::string& body,
                                    const std::map<std::string, sqs::MessageAttribute>& attributes) = 0;
  [[nodiscard]] virtual bool has_dead_letters() const = 0;
  // Queues that batch deletes and visibility changes (batched_queue.hpp) send what is pending:
  // flush() the full batches and any entry older than one tick, flush_all() everything (at the
  // end of a drain). Entries that fail are retried by the queue or left to visibility, never
  // reported as done. Immediate queues have nothing to do.
  virtual void flush() {}
  virtual void flush_all() { flush(); }
};

// MessageQueue over an SqsClient.
class SqsMessageQueue final : public MessageQueue {
 public:
  SqsMessageQueue(sqs::SqsClient& client, std::string queue_url, std::string dlq_url);
  [[nodiscard]] std::vector<sqs::Message> receive(int max_messages, std::chrono::seconds wait,
                                                  std::chrono::seconds visibility) override;
  void delete_message(const std::string& receipt_handle) override;
  void change_visibility(const std::string& receipt_handle, std::chrono::seconds timeout) override;
  void send_to_dead_letters(const std::string& body,
                            const std::map<std::string, sqs::MessageAttribute>& attributes) override;
  [[nodiscard]] bool has_dead_letters() const override { return !dlq_url_.empty(); }

 private:
  sqs::SqsClient& client_;
  std::string queue_url_;
  std::string dlq_url_;
};

struct ObjectHead {
  std::string etag;                             // as S3 sends it (quotes are ignored when comparing)
  std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix, lower-case names
  std::uint64_t size = 0;                       // Content-Length
};
// HEAD an object: nullopt when it does not exist; throws Error otherwise. Called from the
// dispatching thread only.
using HeadObject = std::function<std::optional<ObjectHead>(const std::string& bucket, const std::string& key)>;

// Picks the launcher name for an object when LAUNCHER=auto, from the source's metadata.
using RouteLauncher = std::function<std::string(const std::map<std::string, std::string>& metadata)>;

// LAUNCHER=auto by size and metadata (routing.hpp): the launcher, a short reason for /metrics
// labels and a sentence for the log.
struct RouteDecision {
  std::string launcher;
  std::string reason;
  std::string detail;
};
using RouteObject = std::function<RouteDecision(const ObjectHead& source)>;

// What happens to a message once all its objects are settled (pure, for tests).
enum class Verdict { kDelete, kRetry, kDeadLetter };
enum class Outcome { kPending, kSucceeded, kSkipped, kTransient, kPermanent };
[[nodiscard]] Verdict verdict_for(const std::vector<Outcome>& outcomes);
// Job exit codes: 0 success; 64, 65, 66, 70, 77 permanent; everything else (75, signals, unknown) transient.
[[nodiscard]] Outcome outcome_for_exit_code(int exit_code);
// Delay before a retried message becomes visible again: base * 2^(receive_count - 1), at most 12 h.
[[nodiscard]] std::chrono::seconds retry_delay(std::chrono::seconds base, int receive_count);
// Receive-error backoff: 1, 2, 4 ... 60 s for failures 1, 2, 3 ..., times `jitter` in [0.5, 1].
[[nodiscard]] std::chrono::milliseconds receive_backoff(int consecutive_failures, double jitter);
// Whether an object is one the dispatcher must not convert: outside KEY_PREFIX/KEY_SUFFIX, or an
// output of its own (in DEST_BUCKET under DEST_PREFIX: converting it would loop). Empty: accepted;
// else the reason.
[[nodiscard]] std::string refusal_reason(const DispatcherConfig& config, const ObjectEvent& object);
// maxReceiveCount of a queue's RedrivePolicy attribute (JSON; the count as a number or a string);
// 0 when there is none or it cannot be read. Never throws.
[[nodiscard]] int redrive_max_receive_count(std::string_view redrive_policy);
// Where the job writes the PDF: DEST_PREFIX + the job's default key for `object_key`.
[[nodiscard]] std::string destination_key(const DispatcherConfig& config, const std::string& object_key);

struct DispatcherDeps {
  MessageQueue& receive_queue;  // used by the receiver thread only
  MessageQueue& control_queue;  // used by the dispatching thread only
  HeadObject head_object;
  std::map<std::string, Launcher*> launchers;  // by name: "local", "docker", "batch", "ecs"
  RouteLauncher route;                         // LAUNCHER=auto only
  Clock& clock;
  const Logger& log;
  DispatcherMetrics& metrics;
  RouteObject route_object = nullptr;  // LAUNCHER=auto: when set, used instead of `route`
  // Stopped by the first SIGTERM/SIGINT: run() stops receiving and drains. The receiver's HTTP
  // client should carry the same token, so that its long poll ends at once.
  StopToken stop;
  // Stopped by a second signal: cuts the drain short. The drain's own calls (control_queue,
  // head_object, the launchers' Batch/ECS calls) go through clients that only this token stops.
  StopToken cut_drain;
  DispatchObserver* observer = nullptr;  // the console's StatusBoard, when CONSOLE=on
};

class Dispatcher {
 public:
  Dispatcher(DispatcherConfig config, DispatcherDeps deps);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Runs until deps.stop is stopped, then drains: no new receives, running jobs get
  // DRAIN_TIMEOUT_SECONDS, then SIGTERM (request_stop) and a short grace, unfinished messages are
  // made visible again at once. Returns 0 after a drain; 75 when deps.cut_drain is stopped during
  // the drain (a second signal: the process should exit at once).
  [[nodiscard]] int run();

 private:
  struct Task;
  struct InFlight;

  void receiver_loop();
  void accept_messages();
  void admit(const sqs::Message& message);
  void start_waiting_tasks();
  void start_task(InFlight& message, Task& task);
  void poll_jobs();
  bool enforce_job_timeout(InFlight& message, Task& task);
  [[nodiscard]] std::string timeout_detail() const;
  void finish_task(InFlight& message, Task& task, const JobOutcome& outcome);
  void verify_success(Task& task);
  void settle_messages();
  bool settle(InFlight& message);
  void dead_letter(InFlight& message, const std::string& reason, int exit_code, const std::string& kind,
                   const std::string& key);
  void retry_later(InFlight& message, std::chrono::seconds delay, const std::string& reason);
  void heartbeat();
  int drain();
  void interrupt_tasks(const std::function<bool(const Task&)>& which, const std::string& detail);
  bool wait_for_running_jobs();
  [[nodiscard]] int running_jobs() const;
  [[nodiscard]] int free_slots_locked() const;
  [[nodiscard]] std::string launcher_for(const InFlight& message, Task& task);
  nlohmann::json fields(const InFlight& message, const Task* task = nullptr) const;

  DispatcherConfig config_;
  DispatcherDeps deps_;
  std::vector<std::unique_ptr<InFlight>> in_flight_;
  std::set<std::string> running_objects_;  // "bucket\nkey" of objects with a job started

  // Shared with the receiver thread.
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<sqs::Message> inbox_;
  int busy_slots_ = 0;  // objects waiting or running, as the receiver must see them
  bool receiving_ = true;
  std::minstd_rand random_;
  std::thread receiver_;
};

}  // namespace txt2pdf

namespace txt2pdf {

// The whole service as txt2pdf-dispatcher runs it: parses the configuration from `env`, builds the
// SQS/S3 clients (one HTTP connection and credentials chain per thread), the launchers, the health
// server, and runs the Dispatcher until `stop` is stopped, then drains until done or `cut_drain`
// is stopped (DispatcherDeps). Returns the process exit code; throws Error for configuration
// problems found before the first receive.
[[nodiscard]] int run_dispatcher_service(const Environment& env, const StopToken& stop, const StopToken& cut_drain);

}  // namespace txt2pdf
