// Launchers that run txt2pdf-job on this machine: as a child process (posix_spawn) or through a
// docker-compatible CLI (`docker run --rm`, `podman run --rm`).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/dispatch/launcher.hpp"

namespace txt2pdf {

// The job's own variables: SOURCE_BUCKET, OBJECT_KEY, DEST_BUCKET and DEST_KEY when set.
[[nodiscard]] Environment job_variables(const JobSpec& spec);

// `base` (the dispatcher's environment: credentials, endpoints) overlaid with job_variables(spec),
// as "NAME=value" strings for execve.
[[nodiscard]] std::vector<std::string> child_environment(const Environment& base, const JobSpec& spec);

// "<directory of /proc/self/exe>/txt2pdf-job": the job installed beside the dispatcher.
[[nodiscard]] std::string default_job_command();

// Runs `command` (argv[0] is a path, or a name looked up in PATH) once per job. A job killed by a
// signal, or one that could not be spawned, reports exit code 75.
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
  std::string command = "docker";        // or "podman"
  std::string image;                     // the txt2pdf-job image
  std::vector<std::string> extra_args;   // e.g. {"--network", "host"}
};

// The `docker run` argument vector for one job. Values never appear on the command line (where
// `ps` would show credentials): each variable is passed as `-e NAME` and docker copies its value
// from the CLI's own environment. Forwarded: the job's variables and every AWS_*, TXT2PDF_* and
// MAX_INPUT_BYTES variable present in `base`.
[[nodiscard]] std::vector<std::string> docker_argv(const DockerOptions& options, const Environment& base,
                                                   const JobSpec& spec, const std::string& container_name);

// `docker run --rm` per job; request_stop() sends SIGTERM to the CLI, which forwards it to the
// container (--sig-proxy). CLI failures (125 daemon error, 126/127 cannot run) report 75.
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
