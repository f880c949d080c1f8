// Time as an injectable dependency: pure code takes a time point, I/O code takes a Clock&.
#pragma once

#include <chrono>
#include <utility>

#include "txt2pdf/core/stop_token.hpp"

namespace txt2pdf {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
  // Sleeps up to `duration`; returns early (false) when the clock's user is asked to stop.
  virtual bool sleep_for(std::chrono::milliseconds duration) = 0;
};

// The real clock; sleep_for wakes up early (within ~50 ms) when `stop` is stopped, and returns
// false at once when it already is. The default token never stops.
class SystemClock final : public Clock {
 public:
  explicit SystemClock(StopToken stop = {}) : stop_(std::move(stop)) {}
  [[nodiscard]] std::chrono::system_clock::time_point now() const override;
  bool sleep_for(std::chrono::milliseconds duration) override;

 private:
  StopToken stop_;
};

// Sleeps `duration` on `clock` in slices of at most `slice`, so that `stop` is noticed within a
// slice even when the clock's own token is another one (or a fake clock has none). Returns
// false when stopped, by `stop` or by the clock.
bool sleep_unless_stopped(Clock& clock, std::chrono::milliseconds duration, const StopToken& stop,
                          std::chrono::milliseconds slice = std::chrono::milliseconds(50));

}  // namespace txt2pdf
