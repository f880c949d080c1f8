#include "txt2pdf/core/clock.hpp"

#include <algorithm>
#include <thread>

#include "txt2pdf/core/signals.hpp"

namespace txt2pdf {

std::chrono::system_clock::time_point SystemClock::now() const { return std::chrono::system_clock::now(); }

bool SystemClock::sleep_for(std::chrono::milliseconds duration) {
  // Sleep in short slices so that a stop request is noticed within ~50 ms.
  constexpr std::chrono::milliseconds kSlice{50};
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (!stop_requested()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    std::this_thread::sleep_for(std::min(left, kSlice));
  }
  return false;
}

}  // namespace txt2pdf
