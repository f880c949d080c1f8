#include "txt2pdf/net/health.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"
#include "txt2pdf/net/http_request_line.hpp"

namespace txt2pdf {
namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

std::string status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const auto written = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    done += static_cast<std::size_t>(written);
  }
}

}  // namespace

DispatcherMetrics::DispatcherMetrics()
    : bucket_counts_(duration_buckets().size(), 0), last_receive_ms_(to_ms(std::chrono::system_clock::now())) {}

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
void DispatcherMetrics::set_in_flight(int jobs) {
  std::lock_guard lock(mutex_);
  in_flight_ = jobs;
}

std::chrono::system_clock::time_point DispatcherMetrics::last_successful_receive() const {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(last_receive_ms_.load()));
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
  return out.str();
}

HttpAnswer answer_health_request(std::string_view method, std::string_view path, const DispatcherMetrics& metrics,
                                 std::chrono::system_clock::time_point now, std::chrono::seconds max_age) {
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "only GET\n"};
  const auto query = path.find('?');
  if (query != std::string_view::npos) path = path.substr(0, query);
  if (path == "/healthz") {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - metrics.last_successful_receive());
    const bool healthy = age <= max_age;
    return {healthy ? 200 : 503, "text/plain; charset=utf-8",
            std::string(healthy ? "ok" : "stale") + ": last successful receive " + std::to_string(age.count()) +
                " s ago (limit " + std::to_string(max_age.count()) + " s)\n"};
  }
  if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.render_prometheus()};
  return {404, "text/plain; charset=utf-8", "not found: try /healthz or /metrics\n"};
}

HealthServer::HealthServer(const std::string& address, int port, Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw Error(ErrorKind::kInternal, std::string("health server socket: ") + std::strerror(errno));
  const int yes = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in socket_address{};
  socket_address.sin_family = AF_INET;
  socket_address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &socket_address.sin_addr) != 1) {
    ::close(listen_fd_);
    throw Error(ErrorKind::kConfig, "HEALTH_ADDRESS=\"" + address + "\" is not an IPv4 address");
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&socket_address), sizeof socket_address) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(listen_fd_);
    throw Error(ErrorKind::kConfig, "HEALTH_PORT=" + std::to_string(port) + ": cannot listen on " + address + ": " + reason);
  }
  socklen_t length = sizeof socket_address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&socket_address), &length);
  port_ = ntohs(socket_address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HealthServer::~HealthServer() { stop(); }

void HealthServer::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

void HealthServer::serve() {
  while (!stopping_.load()) {
    pollfd entry{listen_fd_, POLLIN, 0};
    if (::poll(&entry, 1, 200) <= 0) continue;  // wake up regularly to notice stop()
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    answer(client);
    ::close(client);
  }
}

void HealthServer::answer(int client) {
  // Read the request head (a scraper's GET fits easily); give up after 2 s of silence.
  std::string request;
  char buffer[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.find("\n\n") == std::string::npos &&
         request.size() < 16384) {
    pollfd entry{client, POLLIN, 0};
    if (::poll(&entry, 1, 2000) <= 0) return;
    const auto got = ::recv(client, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    request.append(buffer, static_cast<std::size_t>(got));
  }
  const auto request_line = parse_http_request_line(request);
  if (!request_line) return;
  const auto& method = request_line->method;
  const auto reply = handler_(method, request_line->target);
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + status_text(reply.status) +
                     "\r\nContent-Type: " + reply.content_type + "\r\nContent-Length: " +
                     std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
  write_all(client, method == "HEAD" ? head : head + reply.body);
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
