#include "txt2pdf/net/health.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

namespace txt2pdf {
namespace {

using std::chrono::milliseconds;

TEST(ProbeHealthz, HealthyOnlyWhenTheServerAnswers200) {
  std::atomic<int> status{200};
  std::atomic<int> requests{0};
  HealthServer server("127.0.0.1", 0, [&](std::string_view, std::string_view path) {
    ++requests;
    HttpAnswer answer;
    answer.status = path == "/healthz" ? status.load() : 404;
    return answer;
  });
  EXPECT_TRUE(probe_healthz(server.port(), milliseconds(3000)));
  status = 503;
  EXPECT_FALSE(probe_healthz(server.port(), milliseconds(3000)));
  EXPECT_EQ(requests.load(), 2);
}

TEST(ProbeHealthz, NothingListeningIsUnhealthy) {
  int closed_port = 0;
  {
    HealthServer server("127.0.0.1", 0, [](std::string_view, std::string_view) { return HttpAnswer{}; });
    closed_port = server.port();
  }
  EXPECT_FALSE(probe_healthz(closed_port, milliseconds(1000)));
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  char buffer[1024];
  for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
    out.append(buffer, static_cast<std::size_t>(got));
  return out;
}

HealthServer::Handler always_ok() {
  return [](std::string_view, std::string_view) { return HttpAnswer{200, "text/plain", "ok\n"}; };
}

// Issue 12, bug 5. Before: one connection at a time with a 2 s wait re-armed on every byte, so a
// client sending a byte a second held the server and the probe (1 s) failed.
TEST(HealthServerTest, ASlowClientDoesNotBlockProbes) {
  HealthServer server("127.0.0.1", 0, always_ok());
  const int slow = connect_to(server.port());
  std::atomic<bool> done{false};
  std::thread dawdler([&] {
    const std::string partial = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (std::size_t i = 0; i < partial.size() && !done; ++i) {
      (void)::send(slow, &partial[i], 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  std::this_thread::sleep_for(milliseconds(150));  // the slow client is being served
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(probe_healthz(server.port(), milliseconds(1000))) << "probe " << i;
  done = true;
  dawdler.join();
  ::close(slow);
}

TEST(HealthServerTest, TheDeadlineIsPerRequestNotPerByte) {
  HealthServerLimits limits;
  limits.request_deadline = milliseconds(500);
  HealthServer server("127.0.0.1", 0, always_ok(), limits);
  const int slow = connect_to(server.port());
  const auto started = std::chrono::steady_clock::now();
  // A byte every 100 ms would keep a per-byte timer alive for ever; the total deadline closes it.
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {
    closed = ::send(slow, "G", 1, MSG_NOSIGNAL) < 0;
    char byte = 0;
    closed = closed || ::recv(slow, &byte, 1, MSG_DONTWAIT) == 0;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ::close(slow);
}

TEST(HealthServerTest, OversizedRequestsAreRefused) {
  HealthServer server("127.0.0.1", 0, always_ok());
  const int client = connect_to(server.port());
  const std::string huge = "GET /" + std::string(8000, 'a') + " HTTP/1.1\r\n";
  (void)::send(client, huge.data(), huge.size(), MSG_NOSIGNAL);
  EXPECT_EQ(read_all(client).rfind("HTTP/1.1 431", 0), 0u);
  ::close(client);
}

}  // namespace
}  // namespace txt2pdf
