// Launchers that run txt2pdf-job on this machine: as a child process (posix_spawn) or through a
// docker-compatible CLI (`docker run --rm`, `podman run --rm`).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/dispatch/launcher.hpp"

namespace txt2pdf {

// The job's own variables (job_environment in launcher.hpp) as a map.
[[nodiscard]] Environment job_variables(const JobSpec& spec);

// `base` (the dispatcher's environment: credentials, endpoints) overlaid with job_variables(spec),
// as "NAME=value" strings for execve.
[[nodiscard]] std::vector<std::string> child_environment(const Environment& base, const JobSpec& spec);

// "<directory of /proc/self/exe>/txt2pdf-job": the job installed beside the dispatcher.
[[nodiscard]] std::string default_job_command();

// Where posix_spawnp would find `command`: itself when it contains a '/', else the first
// executable in `env`'s PATH (/bin:/usr/bin when unset); nullopt when there is none.
[[nodiscard]] std::optional<std::string> find_executable(const std::string& command, const Environment& env);

// Runs `command` (argv[0] is a path, or a name looked up in PATH) once per job. The constructor
// throws Error(kConfig) naming JOB_COMMAND when argv[0] cannot be found (the dispatcher exits 64
// at start-up); a command that disappears later makes start() throw kConfig too (the message is
// dead-lettered with the reason). A job killed by a signal reports exit code 75.
class LocalLauncher final : public Launcher {
 public:
  LocalLauncher(std::vector<std::string> command, Environment base_env);
  [[nodiscard]] std::string name() const override { return "local"; }
  [[nodiscard]] std::unique_ptr<RunningJob> start(const JobSpec& spec) override;

 private:
  std::vector<std::string> command_;
  Environment base_env_;
};

struct DockerOptions {
  std::string command = "docker";       // or "podman"
  std::string image;                    // the txt2pdf-job image
  std::vector<std::string> extra_args;  // e.g. {"--network", "host"}
};

// The `docker run` argument vector for one job. Values never appear on the command line (where
// `ps` would show credentials): each variable is passed as `-e NAME` and docker copies its value
// from the CLI's own environment. Forwarded: the job's variables and every AWS_*, TXT2PDF_* and
// MAX_INPUT_BYTES variable present in `base`.
[[nodiscard]] std::vector<std::string> docker_argv(const DockerOptions& options, const Environment& base,
                                                   const JobSpec& spec, const std::string& container_name);

// `docker run --rm` per job; request_stop() sends SIGTERM to the CLI, which forwards it to the
// container (--sig-proxy). The CLI's own failures: 125 (daemon error) reports 75, 126/127 (the
// image's command cannot be run: a configuration error) report 64.
class DockerLauncher final : public Launcher {
 public:
  DockerLauncher(DockerOptions options, Environment base_env);
  [[nodiscard]] std::string name() const override { return "docker"; }
  [[nodiscard]] std::unique_ptr<RunningJob> start(const JobSpec& spec) override;

 private:
  DockerOptions options_;
  Environment base_env_;
  unsigned long sequence_ = 0;
};

}  // namespace txt2pdf
