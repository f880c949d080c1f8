#include "txt2pdf/dispatch/child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

// A line longer than this is forwarded unfinished rather than held without bound.
constexpr std::size_t kMaxPendingLine = std::size_t{64} * 1024;

void write_all_to_stderr(std::string_view text) {
  while (!text.empty()) {
    const auto written = ::write(STDERR_FILENO, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;  // our own stderr is gone: nothing better to do with the child's log
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out(text.substr(0, max_bytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

}  // namespace

pid_t spawn_child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const ChildStdio& stdio,
                  std::string_view what) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const int targets[] = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
  const int sources[] = {stdio.in, stdio.out, stdio.err};
  for (int i = 0; i < 3; ++i) {
    if (sources[i] >= 0) posix_spawn_file_actions_adddup2(&actions, sources[i], targets[i]);
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) sigaddset(&defaults, signal);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           static_cast<short>(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP));
  pid_t pid = 0;
  const int result = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (result != 0) {
    const auto kind =
        result == ENOENT || result == EACCES || result == ENOEXEC ? ErrorKind::kConfig : ErrorKind::kTransient;
    throw Error(kind, "cannot start " + std::string(what) + " \"" + argv[0] + "\": " + std::strerror(result));
  }
  return pid;
}

std::vector<std::string> environment_entries(const Environment& env) {
  std::vector<std::string> entries;
  entries.reserve(env.size());
  for (const auto& [name, value] : env) entries.push_back(std::string(name).append("=").append(value));
  return entries;
}

std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  pid_t result = 0;
  do {
    result = ::waitpid(pid, &status, WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == 0) return std::nullopt;
  return result < 0 ? -1 : status;
}

int kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

std::string last_error_in_log(std::string_view log, std::size_t max_bytes) {
  std::string human;
  while (!log.empty()) {
    if (log.back() == '\n') log.remove_suffix(1);
    const auto start = log.rfind('\n');
    const std::string_view line = start == std::string_view::npos ? log : log.substr(start + 1);
    log = start == std::string_view::npos ? std::string_view() : log.substr(0, start + 1);
    if (!line.empty() && line.front() == '{') {
      const auto entry = nlohmann::json::parse(line, nullptr, false);
      if (entry.is_object() && entry.contains("error") && entry["error"].is_string()) {
        return printable(entry["error"].get<std::string>(), max_bytes);
      }
    } else if (human.empty() && line.rfind("error: ", 0) == 0) {
      human = printable(line.substr(7), max_bytes);
    }
  }
  return human;
}

StderrCapture::StderrCapture(std::size_t kept_bytes) : kept_bytes_(kept_bytes) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(ErrorKind::kTransient, std::string("pipe for a job's stderr: ") + std::strerror(errno));
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  ::fcntl(read_fd_, F_SETFL, ::fcntl(read_fd_, F_GETFL) | O_NONBLOCK);
}

StderrCapture::~StderrCapture() {
  close_child_end();
  if (read_fd_ >= 0) ::close(read_fd_);
}

void StderrCapture::close_child_end() {
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = -1;
}

void StderrCapture::drain(bool at_exit) {
  char chunk[4096];
  for (;;) {
    const auto got = ::read(read_fd_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EAGAIN (nothing more now) or end of the stream
    const std::string_view text(chunk, static_cast<std::size_t>(got));
    keep(text);
    pending_.append(text);
    const auto last_newline = pending_.rfind('\n');
    if (last_newline != std::string::npos) {
      write_all_to_stderr(std::string_view(pending_).substr(0, last_newline + 1));
      pending_.erase(0, last_newline + 1);
    } else if (pending_.size() > kMaxPendingLine) {
      write_all_to_stderr(pending_);
      pending_.clear();
    }
  }
  if (at_exit && !pending_.empty()) {
    write_all_to_stderr(pending_ + '\n');
    pending_.clear();
  }
}

void StderrCapture::keep(std::string_view text) {
  kept_.append(text);
  if (kept_.size() > kept_bytes_) kept_.erase(0, kept_.size() - kept_bytes_);
}

}  // namespace txt2pdf
