// A small HTTP/1.1 server for the dispatcher's console: a fixed pool of threads, one request per
// connection (Connection: close), request bodies up to a limit with Content-Length. A slow or
// silent client holds one thread for at most `request_timeout`, never the others. Pure pieces
// (request-head parsing) are exposed for tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "txt2pdf/net/http.hpp"

namespace txt2pdf {

struct ServerRequest {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded path without the query
  std::string query;   // raw query string without '?'
  Headers headers;     // names lower-cased
  std::string body;
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  Headers headers;  // extra headers (Location, Set-Cookie, ...)
  std::string body;
};

struct HttpServerOptions {
  std::uint64_t max_body_bytes = 1 << 20;  // larger Content-Length: 413 without reading the body
  // Text of the 413 answer, so the caller can name its own limit (e.g. MAX_INPUT_BYTES).
  std::string too_large_message = "request body too large";
  int threads = 4;
  std::chrono::milliseconds request_timeout{30000};  // whole request, head and body
};

// Pure: parses "METHOD TARGET HTTP/1.x\r\nName: value\r\n...\r\n\r\n" (the head without the body).
// nullopt when malformed. Header names are lower-cased, values trimmed.
[[nodiscard]] std::optional<ServerRequest> parse_request_head(std::string_view head);
// Pure: application/x-www-form-urlencoded (or a query string) into name/value pairs, '+' = space.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text);
// Pure: the whole reply (status line, Content-Type, Content-Length, Connection: close, no-store,
// nosniff, `headers`, then the body unless `head_only`): the one writer of both servers' replies.
[[nodiscard]] std::string serialize_response(const ServerResponse& response, bool head_only);

// A non-blocking IPv4 listening socket on `address`:`port` (0: any free port), for both servers.
// Throws Error(kConfig) naming `variables` (the settings that chose address and port) when it cannot.
struct ListeningSocket {
  int fd = -1;
  int port = 0;  // the port bound
};
[[nodiscard]] ListeningSocket listen_ipv4(const std::string& variables, const std::string& address, int port,
                                          int backlog);

class HttpServer {
 public:
  using Handler = std::function<ServerResponse(const ServerRequest&)>;
  // Listens on `address` (IPv4) : `port` (0: any free port). Throws Error(kConfig) naming
  // `variable` when it cannot. The handler runs on the pool's threads, concurrently.
  HttpServer(const std::string& variable, const std::string& address, int port, HttpServerOptions options,
             Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  [[nodiscard]] int port() const noexcept { return port_; }
  void stop();

 private:
  void serve();
  void answer(int client);

  int listen_fd_ = -1;
  int port_ = 0;
  HttpServerOptions options_;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace txt2pdf
