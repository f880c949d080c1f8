// Cancellation as a value (the shape of C++20's std::stop_source / std::stop_token, which C++17
// lacks): whoever may be asked to stop takes a StopToken and polls it; whoever decides keeps the
// StopSource. There is no process-wide flag: the signal handlers (signals.hpp) stop the sources
// main() gave them, and each part of the program sees only the token it was handed.
#pragma once

#include <atomic>
#include <memory>

namespace txt2pdf {

class StopToken;

// Owns a stop state; copies share it. request_stop() is async-signal-safe (one lock-free atomic
// store), so a signal handler may call it; nothing runs on a stop, tokens are polled.
class StopSource {
 public:
  StopSource() : state_(std::make_shared<std::atomic<bool>>(false)) {}
  void request_stop() const noexcept { state_->store(true); }
  [[nodiscard]] bool stop_requested() const noexcept { return state_->load(); }
  [[nodiscard]] StopToken token() const noexcept;

 private:
  static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers need a lock-free flag");
  std::shared_ptr<std::atomic<bool>> state_;
};

// A view of one StopSource's state (it keeps the state alive). A default-constructed token is
// never stopped: "not cancellable".
class StopToken {
 public:
  StopToken() = default;
  [[nodiscard]] bool stop_requested() const noexcept { return state_ && state_->load(); }
  [[nodiscard]] bool stop_possible() const noexcept { return state_ != nullptr; }

 private:
  friend class StopSource;
  explicit StopToken(std::shared_ptr<const std::atomic<bool>> state) : state_(std::move(state)) {}
  std::shared_ptr<const std::atomic<bool>> state_;
};

inline StopToken StopSource::token() const noexcept { return StopToken(state_); }

}  // namespace txt2pdf
