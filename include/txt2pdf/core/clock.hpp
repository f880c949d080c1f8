// Time as an injectable dependency: pure code takes a time point, I/O code takes a Clock&.
#pragma once

#include <chrono>

namespace txt2pdf {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
  // Sleeps up to `duration`; returns early (false) when the process is asked to stop.
  virtual bool sleep_for(std::chrono::milliseconds duration) = 0;
};

// The real clock; sleep_for wakes up early when stop_requested() (signals.hpp) becomes true.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override;
  bool sleep_for(std::chrono::milliseconds duration) override;
};

}  // namespace txt2pdf
