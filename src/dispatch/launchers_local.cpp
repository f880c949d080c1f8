#include "txt2pdf/dispatch/launchers_local.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"

namespace txt2pdf {
namespace {

// A spawned child, reaped by poll() or, at the latest, by the destructor (no zombies).
class ChildJob final : public RunningJob {
 public:
  ChildJob(pid_t pid, std::string id, bool docker) : pid_(pid), id_(std::move(id)), docker_(docker) {}
  ChildJob(const ChildJob&) = delete;
  ChildJob& operator=(const ChildJob&) = delete;
  ~ChildJob() override {
    if (reaped_) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

  [[nodiscard]] const std::string& id() const override { return id_; }

  [[nodiscard]] std::optional<JobOutcome> poll() override {
    if (reaped_) return outcome_;
    int status = 0;
    pid_t result = 0;
    do {
      result = ::waitpid(pid_, &status, WNOHANG);
    } while (result < 0 && errno == EINTR);
    if (result == 0) return std::nullopt;
    reaped_ = true;
    outcome_.job_id = id_;
    if (result < 0) {
      outcome_.exit_code = kExitTransient;
      outcome_.detail = std::string("waitpid failed: ") + std::strerror(errno);
    } else if (WIFEXITED(status)) {
      outcome_.exit_code = WEXITSTATUS(status);
      // The CLI's own failures (daemon unreachable, image missing, cannot exec) are not the job's.
      // 125: the daemon failed (unreachable, restarting): may pass. 126/127: the image's command
      // cannot be invoked or found: JOB_IMAGE is wrong, and a launcher that cannot start its
      // command is a configuration error (64: dead-lettered with the reason, not retried forever).
      if (docker_ && (outcome_.exit_code == 125 || outcome_.exit_code == 126 || outcome_.exit_code == 127)) {
        outcome_.detail = "container runtime failed with exit code " + std::to_string(outcome_.exit_code);
        outcome_.exit_code = outcome_.exit_code == 125 ? kExitTransient : kExitConfig;
      }
    } else if (WIFSIGNALED(status)) {
      outcome_.exit_code = kExitTransient;
      outcome_.detail = "killed by signal " + std::to_string(WTERMSIG(status));
    } else {
      outcome_.exit_code = kExitTransient;
      outcome_.detail = "ended with wait status " + std::to_string(status);
    }
    return outcome_;
  }

  void request_stop() override {
    if (!reaped_) ::kill(pid_, SIGTERM);
  }

 private:
  pid_t pid_;
  std::string id_;
  bool docker_;
  bool reaped_ = false;
  JobOutcome outcome_;
};

// posix_spawnp with the signals the dispatcher changed (SIGPIPE ignored, SIGTERM/SIGINT caught)
// back to their defaults, and the child in its own process group: a Ctrl-C reaches only the
// dispatcher, which decides when jobs get SIGTERM.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

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
  const int result = posix_spawnp(&pid, args[0], nullptr, &attributes, args.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  if (result != 0) {
    const auto kind =
        result == ENOENT || result == EACCES || result == ENOEXEC ? ErrorKind::kConfig : ErrorKind::kTransient;
    throw Error(kind, "cannot start \"" + argv[0] + "\": " + std::strerror(result));
  }
  return pid;
}

bool forwarded_to_container(const std::string& name) {
  return name.rfind("AWS_", 0) == 0 || name.rfind("TXT2PDF_", 0) == 0 || name == "MAX_INPUT_BYTES";
}

}  // namespace

Environment job_variables(const JobSpec& spec) {
  const auto contract = job_environment(spec);
  return Environment(contract.begin(), contract.end());
}

std::vector<std::string> child_environment(const Environment& base, const JobSpec& spec) {
  Environment merged = base;
  merged.erase("DEST_KEY");  // a stale DEST_KEY in the dispatcher's environment must not leak in
  for (auto& [name, value] : job_variables(spec)) merged[name] = value;
  std::vector<std::string> entries;
  entries.reserve(merged.size());
  for (const auto& [name, value] : merged) {
    std::string entry = name;
    entry += '=';
    entry += value;
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string default_job_command() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "txt2pdf-job";  // fall back to PATH
  return (self.parent_path() / "txt2pdf-job").string();
}

std::optional<std::string> find_executable(const std::string& command, const Environment& env) {
  const auto executable = [](const std::string& path) { return ::access(path.c_str(), X_OK) == 0; };
  if (command.find('/') != std::string::npos) return executable(command) ? std::optional(command) : std::nullopt;
  // posix_spawnp's search: each PATH entry (glibc's default when PATH is unset), empty means ".".
  const std::string path = lookup(env, "PATH").value_or("/bin:/usr/bin");
  std::size_t start = 0;
  for (;;) {
    const auto colon = path.find(':', start);
    std::string directory = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    const std::string candidate = (directory.empty() ? std::string(".") : directory) + "/" + command;
    if (executable(candidate)) return candidate;
    if (colon == std::string::npos) return std::nullopt;
    start = colon + 1;
  }
}

LocalLauncher::LocalLauncher(std::vector<std::string> command, Environment base_env)
    : command_(std::move(command)), base_env_(std::move(base_env)) {
  const bool configured = !command_.empty();
  if (!configured) command_.push_back(default_job_command());
  // Refused here, at start-up (exit 64), rather than once per message.
  if (!find_executable(command_[0], base_env_)) {
    throw Error(ErrorKind::kConfig, configured ? "JOB_COMMAND names \"" + command_[0] +
                                                     "\", which is not an executable file (or not in PATH)"
                                               : "JOB_COMMAND is not set and " + command_[0] +
                                                     " (txt2pdf-job beside the dispatcher) is not an executable file");
  }
}

std::unique_ptr<RunningJob> LocalLauncher::start(const JobSpec& spec) {
  const pid_t pid = spawn(command_, child_environment(base_env_, spec));
  return std::make_unique<ChildJob>(pid, "pid-" + std::to_string(pid), false);
}

std::vector<std::string> docker_argv(const DockerOptions& options, const Environment& base, const JobSpec& spec,
                                     const std::string& container_name) {
  std::vector<std::string> argv{options.command, "run", "--rm", "--name", container_name};
  const auto variables = job_variables(spec);
  for (const auto& [name, value] : base) {
    if (forwarded_to_container(name) && variables.count(name) == 0) argv.insert(argv.end(), {"-e", name});
  }
  for (const auto& [name, value] : variables) argv.insert(argv.end(), {"-e", name});
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  argv.push_back(options.image);
  return argv;
}

DockerLauncher::DockerLauncher(DockerOptions options, Environment base_env)
    : options_(std::move(options)), base_env_(std::move(base_env)) {
  if (options_.image.empty()) throw Error(ErrorKind::kConfig, "JOB_IMAGE is required for the docker launcher");
}

std::unique_ptr<RunningJob> DockerLauncher::start(const JobSpec& spec) {
  const auto name = "txt2pdf-" + std::to_string(::getpid()) + "-" + std::to_string(++sequence_);
  const pid_t pid = spawn(docker_argv(options_, base_env_, spec, name), child_environment(base_env_, spec));
  return std::make_unique<ChildJob>(pid, name, true);
}

}  // namespace txt2pdf
