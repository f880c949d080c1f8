// Starting, reaping and listening to the processes the local, docker and worker launchers run:
// one copy of the posix_spawn set-up, the wait-status wording and the DLQ reason a child's log gives.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "txt2pdf/core/environment.hpp"

namespace txt2pdf {

// File descriptors the child gets as its standard streams; -1 keeps the dispatcher's.
struct ChildStdio {
  int in = -1;
  int out = -1;
  int err = -1;
};

// posix_spawnp(argv, env) with the signals the dispatcher changed (SIGPIPE ignored, SIGTERM/SIGINT
// caught) back to their defaults, nothing blocked, and the child in its own process group: a
// Ctrl-C reaches only the dispatcher, which decides when children get SIGTERM. Throws
// Error(kConfig) when argv[0] cannot be run (missing, not executable: retrying cannot help),
// Error(kTransient) otherwise; `what` names the command in the message ("the worker").
[[nodiscard]] pid_t spawn_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                const ChildStdio& stdio, std::string_view what);

// "NAME=value" strings for execve.
[[nodiscard]] std::vector<std::string> environment_entries(const Environment& env);

// The child's wait status once it has ended (nullopt while it runs; -1 when waitpid failed).
[[nodiscard]] std::optional<int> try_reap(pid_t pid);

// SIGKILL and wait: no zombie is left behind. Returns the wait status.
int kill_and_reap(pid_t pid);

// "exited with code 3", "killed by signal 9", "ended with wait status N".
[[nodiscard]] std::string describe_wait_status(int status);

// What a failed job said last, for the DLQ reason: the `error` of the last JSON log line that has
// one (TXT2PDF_LOG_FORMAT=json), else the last line starting "error: " without that prefix (the
// human format), else empty. Control characters become '?', and the text is cut to `max_bytes`.
[[nodiscard]] std::string last_error_in_log(std::string_view log, std::size_t max_bytes = 512);

// A child's stderr through a pipe: drain() copies what arrived to the dispatcher's stderr (the job's
// log stays in the dispatcher's stream, whole lines at a time) and keeps the last `kept_bytes`
// for last_error_in_log. Never blocks; memory is bounded whatever the child writes.
class StderrCapture {
 public:
  explicit StderrCapture(std::size_t kept_bytes = 8192);
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  ~StderrCapture();

  // The pipe's write end, for ChildStdio::err; close_child_end() after spawning.
  [[nodiscard]] int child_end() const { return write_fd_; }
  void close_child_end();
  // Reads whatever is there without waiting; at_exit also forwards an unfinished last line.
  void drain(bool at_exit = false);
  [[nodiscard]] std::string last_error() const { return last_error_in_log(kept_); }

 private:
  void keep(std::string_view text);

  int read_fd_ = -1;
  int write_fd_ = -1;
  std::size_t kept_bytes_;
  std::string pending_;  // bytes after the last newline, not yet forwarded
  std::string kept_;     // the tail of everything read
};

}  // namespace txt2pdf
