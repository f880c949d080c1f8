#include "txt2pdf/core/clock.hpp"

#include <algorithm>
#include <thread>

namespace txt2pdf {

std::chrono::system_clock::time_point SystemClock::now() const { return std::chrono::system_clock::now(); }

bool SystemClock::sleep_for(std::chrono::milliseconds duration) {
  // Sleep in short slices so that a stop request is noticed within ~50 ms.
  constexpr std::chrono::milliseconds kSlice{50};
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (!stop_.stop_requested()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    std::this_thread::sleep_for(std::min(left, kSlice));
  }
  return false;
}

bool sleep_unless_stopped(Clock& clock, std::chrono::milliseconds duration, const StopToken& stop,
                          std::chrono::milliseconds slice) {
  const auto until = clock.now() + duration;
  while (!stop.stop_requested()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock.now());
    if (left.count() <= 0) return true;
    if (!clock.sleep_for(std::min(left, slice))) return false;
  }
  return false;
}

}  // namespace txt2pdf
