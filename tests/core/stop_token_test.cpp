// Stop tokens, the real clock's stoppable sleep, and the signal handlers that stop the sources
// main() installs (raise() delivers the signal to this process: no other process is involved).
#include "txt2pdf/core/stop_token.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/signals.hpp"

namespace txt2pdf {
namespace {

using namespace std::chrono_literals;

TEST(StopToken, DefaultTokenNeverStops) {
  const StopToken token;
  EXPECT_FALSE(token.stop_possible());
  EXPECT_FALSE(token.stop_requested());
}

TEST(StopToken, TokensSeeTheirSourceOnly) {
  const StopSource first;
  const StopSource second;
  const StopToken a = first.token();
  const StopToken b = second.token();
  const StopSource copy = first;  // copies share the state
  EXPECT_TRUE(a.stop_possible());
  copy.request_stop();
  EXPECT_TRUE(first.stop_requested());
  EXPECT_TRUE(a.stop_requested());
  EXPECT_FALSE(b.stop_requested());
}

TEST(StopToken, TokenOutlivesItsSource) {
  StopToken token;
  {
    const StopSource source;
    token = source.token();
    source.request_stop();
  }
  EXPECT_TRUE(token.stop_requested());
}

TEST(SystemClockStop, SleepWithAStoppedTokenReturnsAtOnce) {
  const StopSource stop;
  SystemClock clock(stop.token());
  stop.request_stop();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(clock.sleep_for(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(SystemClockStop, StopDuringASleepEndsItEarly) {
  const StopSource stop;
  SystemClock clock(stop.token());
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(clock.sleep_for(10s));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the 10 s sleep ran to its end";
}

TEST(SystemClockStop, AnotherSourcesStopDoesNotWakeTheClock) {
  const StopSource mine;
  const StopSource other;
  SystemClock clock(mine.token());
  other.request_stop();
  EXPECT_TRUE(clock.sleep_for(20ms));
  EXPECT_TRUE(SystemClock().sleep_for(1ms)) << "a clock without a token always sleeps to the end";
}

// A clock whose sleeps only move its time (no real waiting), counting them.
class CountingClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return now_; }
  bool sleep_for(std::chrono::milliseconds duration) override {
    now_ += duration;
    if (++sleeps == stop_after && stop != nullptr) stop->request_stop();
    return true;
  }
  int sleeps = 0;
  int stop_after = -1;
  const StopSource* stop = nullptr;

 private:
  std::chrono::system_clock::time_point now_{};
};

TEST(SleepUnlessStopped, SleepsTheWholeDurationInSlices) {
  CountingClock clock;
  EXPECT_TRUE(sleep_unless_stopped(clock, 1000ms, StopToken{}, 50ms));
  EXPECT_EQ(clock.sleeps, 20);
}

TEST(SleepUnlessStopped, AStopBetweenSlicesEndsTheSleep) {
  const StopSource stop;
  CountingClock clock;
  clock.stop = &stop;
  clock.stop_after = 3;
  EXPECT_FALSE(sleep_unless_stopped(clock, 60s, stop.token(), 50ms));
  EXPECT_EQ(clock.sleeps, 3);
  EXPECT_FALSE(sleep_unless_stopped(clock, 60s, stop.token(), 50ms)) << "already stopped: no sleep";
  EXPECT_EQ(clock.sleeps, 3);
}

TEST(StopSignals, FirstSignalStopsTheFirstSourceSecondTheSecond) {
  const StopSource first;
  const StopSource second;
  install_stop_handlers(first, second);
  ASSERT_EQ(std::raise(SIGTERM), 0);
  EXPECT_TRUE(first.stop_requested());
  EXPECT_FALSE(second.stop_requested()) << "the drain must outlive the first signal";
  ASSERT_EQ(std::raise(SIGINT), 0);
  EXPECT_TRUE(second.stop_requested());
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
}

}  // namespace
}  // namespace txt2pdf
