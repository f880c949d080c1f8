// HTTP as a small interface (so that tests and the AWS client can swap it) and its libcurl
// implementation. No curl types leave src/http.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "txt2pdf/core/stop_token.hpp"

namespace txt2pdf {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive look-up of the first header named `name`.
[[nodiscard]] std::optional<std::string> find_header(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute, percent-encoded exactly as it goes on the wire
  Headers headers;
  std::string body;  // request body, sent as is
  // When set, a 2xx response body is handed over in pieces as it arrives instead of being
  // collected into HttpResponse::body (error bodies are always collected). An exception thrown by
  // the sink ends the transfer and propagates from send() unchanged (e.g. Error(kBadInput) for an
  // object that is too large); returning false ends it with Error(kCancelled).
  std::function<bool(std::string_view chunk)> body_sink;
  // Total time limit for this request; zero means the client's default.
  std::chrono::milliseconds timeout{0};
  // PUT only: when >= 0, the body is read with pread() from this descriptor (offset 0,
  // body_fd_size bytes) instead of `body`, so a large upload is never held in memory. The caller
  // keeps the descriptor open during send(); a read error aborts the transfer (kTransient).
  int body_fd = -1;
  std::uint64_t body_fd_size = 0;
};

struct HttpResponse {
  int status = 0;
  Headers headers;  // names lower-cased, in arrival order
  std::string body;
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request; no retries here (the AWS client decides those). Any HTTP status is a
  // response. Throws Error(kTransient) when no response arrived (DNS, connect, reset, timeout) and
  // Error(kCancelled) when the client's stop token (CurlOptions::stop) is stopped before or during
  // the transfer (noticed within about a second), Error(kConfig)
  // for a URL curl cannot use (malformed, unsupported scheme).
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

struct CurlOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // A transfer slower than low_speed_bytes_per_second for low_speed_time is abandoned.
  std::chrono::seconds low_speed_time{30};
  long low_speed_bytes_per_second = 1024;
  std::chrono::milliseconds default_timeout{0};  // 0: no total limit beyond the low-speed rule
  // Aborts the transfer under way, and refuses new ones, once stopped. Default: never stops.
  StopToken stop;
  // Largest response body collected into HttpResponse::body (bodies given to a body_sink are the
  // sink's business). A longer one ends the transfer with Error(kTransient): no AWS reply the
  // clients parse comes near it, and a misbehaving endpoint must not grow memory without bound.
  std::size_t max_response_bytes = std::size_t{16} << 20;
};

// One libcurl easy handle per client, reused across requests so connections stay open.
// Not thread-safe: use one client per thread.
[[nodiscard]] std::unique_ptr<HttpClient> make_curl_http_client(const CurlOptions& options = {});

}  // namespace txt2pdf
