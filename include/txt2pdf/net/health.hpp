// The dispatcher's operational surface: counters for /metrics (Prometheus text format 0.0.4) and a
// small blocking HTTP server on its own thread answering /healthz and /metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace txt2pdf {

class DispatcherMetrics {
 public:
  DispatcherMetrics();
  // Thread-safe updates.
  void messages_received(int count);
  void receive_error();
  void receive_succeeded(std::chrono::system_clock::time_point when);
  // Health inputs besides receives: the dispatching loop went round (once per tick), and an SQS
  // call of any kind (receive, delete, visibility, DLQ send) succeeded or failed.
  void loop_alive(std::chrono::system_clock::time_point when);
  void sqs_call(bool succeeded, std::chrono::system_clock::time_point when);
  void job_started(const std::string& launcher);
  void job_finished(const std::string& launcher, bool succeeded, double seconds);
  void dlq_sent();
  void message_deleted();
  void message_retried();
  void set_in_flight(int jobs);
  // LAUNCHER=auto: one object sent to `launcher` for `reason` (a short label).
  void routed(const std::string& launcher, const std::string& reason);
  // Entries a batched SQS call answered in Failed[] (retried or left to visibility).
  void batch_entries_failed(int count);

  // When the last ReceiveMessage succeeded (the construction time until the first one).
  [[nodiscard]] std::chrono::system_clock::time_point last_successful_receive() const;
  [[nodiscard]] std::chrono::system_clock::time_point last_loop_tick() const;
  [[nodiscard]] std::chrono::system_clock::time_point last_sqs_success() const;
  [[nodiscard]] std::chrono::system_clock::time_point last_sqs_failure() const;  // epoch: none yet
  [[nodiscard]] std::string render_prometheus() const;

  // Upper bounds (seconds) of the job duration histogram.
  static const std::vector<double>& duration_buckets();

 private:
  struct PerLauncher {
    long started = 0;
    long succeeded = 0;
    long failed = 0;
  };
  mutable std::mutex mutex_;
  long received_ = 0;
  long receive_errors_ = 0;
  long dlq_sent_ = 0;
  long deleted_ = 0;
  long retried_ = 0;
  int in_flight_ = 0;
  std::map<std::string, PerLauncher> launchers_;
  std::vector<long> bucket_counts_;  // cumulative counts are computed when rendering
  long duration_count_ = 0;
  double duration_sum_ = 0;
  std::atomic<std::int64_t> last_receive_ms_;
  std::map<std::pair<std::string, std::string>, long> routed_;
  long batch_entries_failed_ = 0;
  std::atomic<std::int64_t> last_loop_ms_;
  std::atomic<std::int64_t> last_sqs_success_ms_;
  std::atomic<std::int64_t> last_sqs_failure_ms_{0};
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Pure: the answer to GET `path`. /healthz means "the loop is alive and can reach SQS": 503 when
// the dispatching loop has not gone round for `max_age`, or when SQS calls have been failing and
// none succeeded for `max_age`; 200 otherwise, also while every slot is busy and nothing is
// received (a busy dispatcher is a healthy one). /metrics: the counters.
[[nodiscard]] HttpAnswer answer_health_request(std::string_view method, std::string_view path,
                                               const DispatcherMetrics& metrics,
                                               std::chrono::system_clock::time_point now, std::chrono::seconds max_age);

// Limits of the health server: a probe's request is a few hundred bytes and must be answered in
// time even while another client dawdles.
struct HealthServerLimits {
  std::size_t max_request_bytes = 4096;              // a longer head gets 431 and the connection closed
  std::chrono::milliseconds request_deadline{2000};  // from accept to a complete head, not re-armed per byte
  std::size_t max_connections = 32;                  // beyond it the oldest connection is dropped
};

// A one-request-per-connection HTTP/1.0-style server on `address`:`port` (0: any free port),
// serving many connections at once from one thread (poll), so a slow client delays no probe.
// Serves until stop() or destruction; independent of the process stop flag so that health stays
// visible while the dispatcher drains. Throws Error(kConfig) naming HEALTH_PORT when it cannot bind.
class HealthServer {
 public:
  using Handler = std::function<HttpAnswer(std::string_view method, std::string_view path)>;
  HealthServer(const std::string& address, int port, Handler handler, HealthServerLimits limits = {});
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;
  [[nodiscard]] int port() const noexcept { return port_; }
  void stop();

 private:
  struct Connection;
  void serve();
  void accept_clients(std::vector<Connection>& connections);
  void read_request(Connection& connection);

  HealthServerLimits limits_;
  int listen_fd_ = -1;
  int port_ = 0;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// The container health check (`txt2pdf-dispatcher healthcheck`): the image has no shell or curl,
// so the dispatcher probes its own /healthz. True when http://127.0.0.1:PORT/healthz answers 200
// within `timeout`.
[[nodiscard]] bool probe_healthz(int port, std::chrono::milliseconds timeout);

}  // namespace txt2pdf
