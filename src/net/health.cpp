#include "txt2pdf/net/health.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"
#include "txt2pdf/net/http_request_line.hpp"
#include "txt2pdf/net/http_server.hpp"

namespace txt2pdf {
namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

// The console server's reply writer, for the same status line, headers and Connection: close.
std::string http_reply(const HttpAnswer& reply, bool head_only) {
  ServerResponse response;
  response.status = reply.status;
  response.content_type = reply.content_type;
  response.body = reply.body;
  return serialize_response(response, head_only);
}

bool head_complete(const std::string& request) {
  return request.find("\r\n\r\n") != std::string::npos || request.find("\n\n") != std::string::npos;
}

}  // namespace

DispatcherMetrics::DispatcherMetrics()
    : bucket_counts_(duration_buckets().size(), 0),
      last_receive_ms_(to_ms(std::chrono::system_clock::now())),
      last_loop_ms_(last_receive_ms_.load()),
      last_sqs_success_ms_(last_receive_ms_.load()) {}

const std::vector<double>& DispatcherMetrics::duration_buckets() {
  static const std::vector<double> buckets{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600};
  return buckets;
}

void DispatcherMetrics::messages_received(int count) {
  std::lock_guard lock(mutex_);
  received_ += count;
}
void DispatcherMetrics::receive_error() {
  std::lock_guard lock(mutex_);
  ++receive_errors_;
}
void DispatcherMetrics::receive_succeeded(std::chrono::system_clock::time_point when) {
  last_receive_ms_.store(to_ms(when));
  sqs_call(true, when);
}
void DispatcherMetrics::loop_alive(std::chrono::system_clock::time_point when) { last_loop_ms_.store(to_ms(when)); }
void DispatcherMetrics::sqs_call(bool succeeded, std::chrono::system_clock::time_point when) {
  (succeeded ? last_sqs_success_ms_ : last_sqs_failure_ms_).store(to_ms(when));
}
void DispatcherMetrics::job_started(const std::string& launcher) {
  std::lock_guard lock(mutex_);
  ++launchers_[launcher].started;
}
void DispatcherMetrics::job_finished(const std::string& launcher, bool succeeded, double seconds) {
  std::lock_guard lock(mutex_);
  auto& counters = launchers_[launcher];
  (succeeded ? counters.succeeded : counters.failed) += 1;
  const auto& buckets = duration_buckets();
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (seconds <= buckets[i]) {
      ++bucket_counts_[i];
      break;
    }
  }
  ++duration_count_;
  duration_sum_ += seconds;
}
void DispatcherMetrics::dlq_sent() {
  std::lock_guard lock(mutex_);
  ++dlq_sent_;
}
void DispatcherMetrics::message_deleted() {
  std::lock_guard lock(mutex_);
  ++deleted_;
}
void DispatcherMetrics::message_retried() {
  std::lock_guard lock(mutex_);
  ++retried_;
}
void DispatcherMetrics::routed(const std::string& launcher, const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++routed_[{launcher, reason}];
}
void DispatcherMetrics::batch_entries_failed(int count) {
  std::lock_guard lock(mutex_);
  batch_entries_failed_ += count;
}
void DispatcherMetrics::set_in_flight(int jobs) {
  std::lock_guard lock(mutex_);
  in_flight_ = jobs;
}

std::chrono::system_clock::time_point DispatcherMetrics::last_successful_receive() const {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(last_receive_ms_.load()));
}

std::chrono::system_clock::time_point DispatcherMetrics::last_loop_tick() const {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(last_loop_ms_.load()));
}
std::chrono::system_clock::time_point DispatcherMetrics::last_sqs_success() const {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(last_sqs_success_ms_.load()));
}
std::chrono::system_clock::time_point DispatcherMetrics::last_sqs_failure() const {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(last_sqs_failure_ms_.load()));
}

std::string DispatcherMetrics::render_prometheus() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  auto counter = [&out](const char* name, const char* help, long value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << value << '\n';
  };
  counter("txt2pdf_dispatcher_messages_received_total", "SQS messages received.", received_);
  counter("txt2pdf_dispatcher_receive_errors_total", "Failed ReceiveMessage calls.", receive_errors_);
  counter("txt2pdf_dispatcher_messages_deleted_total", "Messages deleted after verified work.", deleted_);
  counter("txt2pdf_dispatcher_messages_retried_total", "Messages made visible again for a retry.", retried_);
  counter("txt2pdf_dispatcher_dlq_sent_total", "Messages sent to the dead-letter queue.", dlq_sent_);
  const std::pair<const char*, long PerLauncher::*> per_launcher[] = {
      {"started", &PerLauncher::started}, {"succeeded", &PerLauncher::succeeded}, {"failed", &PerLauncher::failed}};
  for (const auto& [what, member] : per_launcher) {
    const std::string name = std::string("txt2pdf_dispatcher_jobs_") + what + "_total";
    out << "# HELP " << name << " Jobs " << what << ", per launcher.\n# TYPE " << name << " counter\n";
    for (const auto& [launcher, counters] : launchers_) {
      out << name << "{launcher=\"" << launcher << "\"} " << counters.*member << '\n';
    }
  }
  out << "# HELP txt2pdf_dispatcher_jobs_in_flight Jobs running now.\n"
         "# TYPE txt2pdf_dispatcher_jobs_in_flight gauge\ntxt2pdf_dispatcher_jobs_in_flight "
      << in_flight_ << '\n';
  out << "# HELP txt2pdf_dispatcher_job_duration_seconds Time from job start to its exit.\n"
         "# TYPE txt2pdf_dispatcher_job_duration_seconds histogram\n";
  long cumulative = 0;
  const auto& buckets = duration_buckets();
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    cumulative += bucket_counts_[i];
    out << "txt2pdf_dispatcher_job_duration_seconds_bucket{le=\"" << buckets[i] << "\"} " << cumulative << '\n';
  }
  out << "txt2pdf_dispatcher_job_duration_seconds_bucket{le=\"+Inf\"} " << duration_count_ << '\n'
      << "txt2pdf_dispatcher_job_duration_seconds_sum " << duration_sum_ << '\n'
      << "txt2pdf_dispatcher_job_duration_seconds_count " << duration_count_ << '\n';
  out << "# HELP txt2pdf_dispatcher_routed_total LAUNCHER=auto decisions, per launcher and reason.\n"
         "# TYPE txt2pdf_dispatcher_routed_total counter\n";
  for (const auto& [labels, count] : routed_) {
    out << "txt2pdf_dispatcher_routed_total{launcher=\"" << labels.first << "\",reason=\"" << labels.second << "\"} "
        << count << '\n';
  }
  counter("txt2pdf_dispatcher_batch_entries_failed_total",
          "Entries of DeleteMessageBatch/ChangeMessageVisibilityBatch answered in Failed[].", batch_entries_failed_);
  return out.str();
}

HttpAnswer answer_health_request(std::string_view method, std::string_view path, const DispatcherMetrics& metrics,
                                 std::chrono::system_clock::time_point now, std::chrono::seconds max_age) {
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "only GET\n"};
  const auto query = path.find('?');
  if (query != std::string_view::npos) path = path.substr(0, query);
  if (path == "/healthz") {
    using std::chrono::duration_cast;
    using std::chrono::seconds;
    const auto loop_age = duration_cast<seconds>(now - metrics.last_loop_tick());
    const auto sqs_age = duration_cast<seconds>(now - metrics.last_sqs_success());
    const bool failing = metrics.last_sqs_failure() > metrics.last_sqs_success();
    const auto limit = " (limit " + std::to_string(max_age.count()) + " s)\n";
    if (loop_age > max_age) {
      return {503, "text/plain; charset=utf-8",
              "stuck: the dispatching loop last went round " + std::to_string(loop_age.count()) + " s ago" + limit};
    }
    if (failing && sqs_age > max_age) {
      return {503, "text/plain; charset=utf-8",
              "unreachable: SQS calls failing, last success " + std::to_string(sqs_age.count()) + " s ago" + limit};
    }
    return {200, "text/plain; charset=utf-8",
            "ok: loop alive, last successful SQS call " + std::to_string(sqs_age.count()) + " s ago" + limit};
  }
  if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.render_prometheus()};
  return {404, "text/plain; charset=utf-8", "not found: try /healthz or /metrics\n"};
}

HealthServer::HealthServer(const std::string& address, int port, Handler handler, HealthServerLimits limits)
    : limits_(limits), handler_(std::move(handler)) {
  const auto listening = listen_ipv4("HEALTH_ADDRESS/HEALTH_PORT", address, port, 16);
  listen_fd_ = listening.fd;
  port_ = listening.port;
  thread_ = std::thread([this] { serve(); });
}

HealthServer::~HealthServer() { stop(); }

void HealthServer::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

struct HealthServer::Connection {
  int fd = -1;
  std::chrono::steady_clock::time_point deadline;
  std::string request;
  std::string reply;  // once set, what is left to send
  std::size_t sent = 0;
  bool done = false;
};

void HealthServer::accept_clients(std::vector<Connection>& connections) {
  for (;;) {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) return;  // EAGAIN: no more waiting (or a transient accept error)
    if (connections.size() >= limits_.max_connections) {
      // Full: the oldest connection (the likeliest to be a dawdler) makes room for the newcomer.
      ::close(connections.front().fd);
      connections.erase(connections.begin());
    }
    connections.push_back({client, std::chrono::steady_clock::now() + limits_.request_deadline, {}, {}, 0, false});
  }
}

void HealthServer::read_request(Connection& connection) {
  char buffer[2048];
  for (;;) {
    const auto got = ::recv(connection.fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (got <= 0) break;  // closed (or reset) before a complete head: answer what came, if anything
    connection.request.append(buffer, static_cast<std::size_t>(got));
    if (head_complete(connection.request)) break;
    if (connection.request.size() > limits_.max_request_bytes) {
      connection.reply = http_reply({431, "text/plain; charset=utf-8", "request too large\n"}, false);
      return;
    }
  }
  const auto line = parse_http_request_line(connection.request);
  if (!line) {
    connection.done = connection.request.empty();
    if (!connection.done) connection.reply = http_reply({400, "text/plain; charset=utf-8", "bad request\n"}, false);
    return;
  }
  connection.reply = http_reply(handler_(line->method, line->target), line->method == "HEAD");
}

void HealthServer::serve() {
  std::vector<Connection> connections;
  std::vector<pollfd> entries;
  while (!stopping_.load()) {
    entries.assign(1, pollfd{listen_fd_, POLLIN, 0});
    for (const auto& connection : connections) {
      entries.push_back({connection.fd, static_cast<short>(connection.reply.empty() ? POLLIN : POLLOUT), 0});
    }
    if (::poll(entries.data(), entries.size(), 100) < 0 && errno != EINTR) continue;  // wake to notice stop()
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < connections.size(); ++i) {
      auto& connection = connections[i];
      const auto events = entries[i + 1].revents;
      if (connection.reply.empty() && (events & (POLLIN | POLLHUP | POLLERR)) != 0) read_request(connection);
      if (!connection.reply.empty() && connection.sent < connection.reply.size()) {
        const auto written = ::send(connection.fd, connection.reply.data() + connection.sent,
                                    connection.reply.size() - connection.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (written > 0) connection.sent += static_cast<std::size_t>(written);
        if (written < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) connection.done = true;
        if (connection.sent == connection.reply.size()) connection.done = true;
      }
      // One total deadline per connection, from accept: trickling bytes does not extend it.
      if (now >= connection.deadline) connection.done = true;
    }
    connections.erase(std::remove_if(connections.begin(), connections.end(),
                                     [](const Connection& connection) {
                                       if (connection.done) ::close(connection.fd);
                                       return connection.done;
                                     }),
                      connections.end());
    if ((entries[0].revents & POLLIN) != 0) accept_clients(connections);
  }
  for (const auto& connection : connections) ::close(connection.fd);
}

bool probe_healthz(int port, std::chrono::milliseconds timeout) {
  CurlOptions options;
  options.connect_timeout = timeout;
  const auto http = make_curl_http_client(options);
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/healthz";
  request.timeout = timeout;
  try {
    return http->send(request).status == 200;
  } catch (const Error&) {
    return false;  // nothing listening, or no answer in time: unhealthy
  }
}

}  // namespace txt2pdf
