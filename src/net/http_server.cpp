#include "txt2pdf/net/http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

using Steady = std::chrono::steady_clock;

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 303:
      return "See Other";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// Writes everything or gives up at the deadline (a client that stops reading).
void send_all(int fd, std::string_view data, Steady::time_point deadline) {
  while (!data.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now()).count();
    if (left <= 0) return;
    pollfd entry{fd, POLLOUT, 0};
    if (::poll(&entry, 1, static_cast<int>(left)) <= 0) return;
    const auto sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) {
      if (sent < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      return;
    }
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
}

// Reads more bytes into `buffer` until the deadline; false on timeout, error or end of stream.
bool receive_some(int fd, std::string& buffer, Steady::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now()).count();
  if (left <= 0) return false;
  pollfd entry{fd, POLLIN, 0};
  if (::poll(&entry, 1, static_cast<int>(left)) <= 0) return false;
  char chunk[65536];
  const auto got = ::recv(fd, chunk, sizeof chunk, 0);
  if (got <= 0) return false;
  buffer.append(chunk, static_cast<std::size_t>(got));
  return true;
}

ServerResponse plain(int status, std::string text) {
  return {status, "text/plain; charset=utf-8", {}, std::move(text) + "\n"};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    std::string pair(text.substr(0, amp));
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    std::replace(pair.begin(), pair.end(), '+', ' ');
    const auto equals = pair.find('=');
    out.emplace_back(percent_decode(pair.substr(0, equals)),
                     equals == std::string::npos ? std::string() : percent_decode(pair.substr(equals + 1)));
  }
  return out;
}

std::optional<ServerRequest> parse_request_head(std::string_view head) {
  const auto line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return std::nullopt;
  const std::string_view line = head.substr(0, line_end);
  const auto first = line.find(' ');
  const auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos || first == 0) return std::nullopt;
  if (line.substr(second + 1).rfind("HTTP/1.", 0) != 0) return std::nullopt;
  ServerRequest request;
  request.method = std::string(line.substr(0, first));
  request.target = std::string(line.substr(first + 1, second - first - 1));
  if (request.target.empty() || request.target.front() != '/') return std::nullopt;
  const auto question = request.target.find('?');
  request.path = percent_decode(std::string_view(request.target).substr(0, question));
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  std::string_view rest = head.substr(line_end + 2);
  while (!rest.empty()) {
    const auto end = rest.find("\r\n");
    const std::string_view header = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    if (header.empty()) break;
    const auto colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    request.headers.emplace_back(to_lower(header.substr(0, colon)), std::string(trim(header.substr(colon + 1))));
  }
  return request;
}

std::string serialize_response(const ServerResponse& response, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) +
                    "\r\nContent-Type: " + response.content_type +
                    "\r\nContent-Length: " + std::to_string(response.body.size()) +
                    "\r\nConnection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : response.headers) out.append(name).append(": ").append(value).append("\r\n");
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

ListeningSocket listen_ipv4(const std::string& variables, const std::string& address, int port, int backlog) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw Error(ErrorKind::kInternal, variables + ": socket: " + std::strerror(errno));
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in socket_address{};
  socket_address.sin_family = AF_INET;
  socket_address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &socket_address.sin_addr) != 1) {
    ::close(fd);
    throw Error(ErrorKind::kConfig, variables + ": \"" + address + "\" is not an IPv4 address");
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&socket_address), sizeof socket_address) != 0 ||
      ::listen(fd, backlog) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    throw Error(ErrorKind::kConfig,
                variables + ": cannot listen on " + address + ":" + std::to_string(port) + ": " + reason);
  }
  socklen_t length = sizeof socket_address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&socket_address), &length);
  return {fd, ntohs(socket_address.sin_port)};
}

HttpServer::HttpServer(const std::string& variable, const std::string& address, int port, HttpServerOptions options,
                       Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  const auto listening = listen_ipv4(variable, address, port, 64);
  listen_fd_ = listening.fd;
  port_ = listening.port;
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { serve(); });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() {
  stopping_.store(true);
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

void HttpServer::serve() {
  while (!stopping_.load()) {
    pollfd entry{listen_fd_, POLLIN, 0};
    if (::poll(&entry, 1, 200) <= 0) continue;  // wake up regularly to notice stop()
    // Non-blocking listener: when another thread took the connection, accept fails with EAGAIN.
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) continue;
    try {
      answer(client);
    } catch (...) {
      // A handler bug must not take the server thread down; the client sees the connection close.
    }
    ::close(client);
  }
}

void HttpServer::answer(int client) {
  const auto deadline = Steady::now() + options_.request_timeout;
  std::string buffer;
  std::size_t head_end = std::string::npos;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > 32768)
      return send_all(client, serialize_response(plain(400, "request head too large"), false), deadline);
    if (!receive_some(client, buffer, deadline)) return;
  }
  auto request = parse_request_head(std::string_view(buffer).substr(0, head_end + 2));
  if (!request) return send_all(client, serialize_response(plain(400, "malformed request"), false), deadline);
  std::uint64_t length = 0;
  if (const auto value = request->header("content-length")) {
    char* end = nullptr;
    length = std::strtoull(value->c_str(), &end, 10);
    if (value->empty() || *end != '\0')
      return send_all(client, serialize_response(plain(400, "bad Content-Length"), false), deadline);
  } else if (request->header("transfer-encoding")) {
    return send_all(client,
                    serialize_response(plain(411, "send a Content-Length (chunked bodies are not accepted)"), false),
                    deadline);
  }
  if (length > options_.max_body_bytes) {
    send_all(client, serialize_response(plain(413, options_.too_large_message), false), deadline);
    // Closing with unread bytes would make the kernel reset the connection before the client reads
    // the answer: stop writing, then discard what arrives for a moment.
    ::shutdown(client, SHUT_WR);
    const auto drain_until = std::min(deadline, Steady::now() + std::chrono::seconds(2));
    std::string discarded;
    while (receive_some(client, discarded, drain_until)) discarded.clear();
    return;
  }
  request->body = buffer.substr(head_end + 4);
  while (request->body.size() < length) {
    if (!receive_some(client, request->body, deadline)) {
      return send_all(client, serialize_response(plain(408, "request body incomplete"), false), deadline);
    }
  }
  request->body.resize(static_cast<std::size_t>(length));
  ServerResponse response;
  try {
    response = handler_(*request);
  } catch (const std::exception& error) {
    response = plain(500, std::string("internal error: ") + error.what());
  }
  send_all(client, serialize_response(response, request->method == "HEAD"), deadline);
}

}  // namespace txt2pdf
