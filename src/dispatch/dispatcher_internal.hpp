#pragma once

// Private to src/dispatch: the dispatcher's per-message state, shared by dispatcher.cpp (receive,
// start, poll, drain) and dispatcher_settle.cpp (delete, retry, dead-letter, heartbeat).

#include <chrono>
#include <exception>
#include <string>

#include "txt2pdf/dispatch/dispatcher.hpp"

namespace txt2pdf {
namespace dispatcher_detail {

using Time = std::chrono::system_clock::time_point;

inline std::string object_id(const std::string& bucket, const std::string& key) { return bucket + '\n' + key; }

// Anything thrown while handling one message that is not an Error (a library's exception, a bug)
// becomes one, so that it is handled with that message instead of ending the dispatcher.
inline Error as_error(const std::exception& exception) {
  return Error(ErrorKind::kInternal, std::string("unexpected exception: ") + exception.what());
}

}  // namespace dispatcher_detail

using dispatcher_detail::Time;

struct Dispatcher::Task {
  ObjectEvent object;
  JobSpec spec;
  std::string launcher;
  std::unique_ptr<RunningJob> job;
  Time started{};
  Outcome outcome = Outcome::kPending;
  int exit_code = 0;
  std::string detail;
  std::optional<ErrorKind> error_kind;  // of a failure; nullopt for success or an exit code outside the table
  bool twin = false;                    // waits for another task converting the same object
  bool interrupted = false;             // not run to the end because of a stop: return the message at once
  Time stop_sent{};                     // when JOB_TIMEOUT_SECONDS ran out and request_stop() was sent
};

struct Dispatcher::InFlight {
  sqs::Message message;
  std::vector<Task> tasks;
  std::string format;
  std::string malformed;  // why the body could not be parsed; empty when it could
  Time next_heartbeat{};
  int settle_attempts = 0;
  bool dead_lettered = false;  // sent to the DLQ; only the delete is left
};

}  // namespace txt2pdf
