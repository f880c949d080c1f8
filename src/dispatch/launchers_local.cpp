#include "txt2pdf/dispatch/launchers_local.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/dispatch/child_process.hpp"

namespace txt2pdf {
namespace {

// A spawned child, reaped by poll() or, at the latest, by the destructor (no zombies). Its stderr
// passes through `stderr_` so that a failure's reason can name what the job said.
class ChildJob final : public RunningJob {
 public:
  ChildJob(pid_t pid, std::string id, bool docker, std::unique_ptr<StderrCapture> stderr_capture)
      : pid_(pid), id_(std::move(id)), docker_(docker), stderr_(std::move(stderr_capture)) {}
  ChildJob(const ChildJob&) = delete;
  ChildJob& operator=(const ChildJob&) = delete;
  ~ChildJob() override {
    if (!reaped_) (void)kill_and_reap(pid_);
  }

  [[nodiscard]] const std::string& id() const override { return id_; }

  [[nodiscard]] std::optional<JobOutcome> poll() override {
    if (reaped_) return outcome_;
    stderr_->drain();
    const auto status = try_reap(pid_);
    if (!status) return std::nullopt;
    reaped_ = true;
    stderr_->drain(true);
    outcome_ = outcome_of(*status);
    return outcome_;
  }

  void request_stop() override {
    if (!reaped_) ::kill(pid_, SIGTERM);
  }

 private:
  [[nodiscard]] JobOutcome outcome_of(int status) const {
    JobOutcome outcome;
    outcome.job_id = id_;
    if (status < 0) {
      outcome.exit_code = kExitTransient;
      outcome.detail = std::string("waitpid failed: ") + std::strerror(errno);
    } else if (WIFEXITED(status)) {
      outcome.exit_code = WEXITSTATUS(status);
      // The CLI's own failures (daemon unreachable, image missing, cannot exec) are not the job's.
      // 125: the daemon failed (unreachable, restarting): may pass. 126/127: the image's command
      // cannot be invoked or found: JOB_IMAGE is wrong, and a launcher that cannot start its
      // command is a configuration error (64: dead-lettered with the reason, not retried forever).
      if (docker_ && (outcome.exit_code == 125 || outcome.exit_code == 126 || outcome.exit_code == 127)) {
        outcome.detail = "container runtime failed with exit code " + std::to_string(outcome.exit_code);
        outcome.exit_code = outcome.exit_code == 125 ? kExitTransient : kExitConfig;
      }
    } else {
      outcome.exit_code = kExitTransient;
      outcome.detail = describe_wait_status(status);
    }
    if (outcome.exit_code != 0) {
      const auto said = stderr_->last_error();
      if (!said.empty()) {
        outcome.detail =
            (outcome.detail.empty() ? "job exited " + std::to_string(outcome.exit_code) : outcome.detail) + ": " + said;
      }
    }
    return outcome;
  }

  pid_t pid_;
  std::string id_;
  bool docker_;
  std::unique_ptr<StderrCapture> stderr_;
  bool reaped_ = false;
  JobOutcome outcome_;
};

// The child's stderr goes through a pipe the dispatcher drains (see StderrCapture).
std::unique_ptr<ChildJob> start_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                      bool docker, const std::string& name) {
  auto capture = std::make_unique<StderrCapture>();
  ChildStdio stdio;
  stdio.err = capture->child_end();
  const pid_t pid = spawn_child(argv, env, stdio, docker ? "the container runtime" : "the job");
  capture->close_child_end();
  return std::make_unique<ChildJob>(pid, name.empty() ? "pid-" + std::to_string(pid) : name, docker,
                                    std::move(capture));
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
  return environment_entries(merged);
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
  return start_child(command_, child_environment(base_env_, spec), false, "");
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
  return start_child(docker_argv(options_, base_env_, spec, name), child_environment(base_env_, spec), true, name);
}

}  // namespace txt2pdf
