#include "txt2pdf/net/health.hpp"

#include <gtest/gtest.h>

#include <atomic>

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

}  // namespace
}  // namespace txt2pdf
