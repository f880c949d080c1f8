// One interface for every way of running txt2pdf-job: a local process, `docker run`, an AWS Batch
// job or an ECS task. The dispatcher starts jobs through it and polls them until they finish.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace txt2pdf {

// What one job converts. The job receives these as SOURCE_BUCKET, OBJECT_KEY, DEST_BUCKET and
// (when not empty) DEST_KEY.
struct JobSpec {
  std::string source_bucket;
  std::string object_key;  // decoded (what S3 stores), never form-URL-encoded
  std::string dest_bucket;
  std::string dest_key;  // empty: the job's default destination key
};

// The job's environment contract, written once for every launcher (a local process, docker, the
// Batch and ECS container overrides): SOURCE_BUCKET, OBJECT_KEY, DEST_BUCKET and, when not empty,
// DEST_KEY, in this order. txt2pdf-job's configuration (job/config.cpp) reads exactly these.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> job_environment(const JobSpec& spec);

struct JobOutcome {
  int exit_code = 0;  // the job's exit code; 75 (transient) when the launcher lost the job
  std::string job_id;
  std::string detail;  // e.g. ECS stoppedReason, Batch statusReason, "killed by signal 9"
};

class RunningJob {
 public:
  virtual ~RunningJob() = default;
  [[nodiscard]] virtual const std::string& id() const = 0;
  // Non-blocking: the outcome once the job has finished, nullopt while it runs. Throws
  // Error(kTransient) when the status cannot be read.
  [[nodiscard]] virtual std::optional<JobOutcome> poll() = 0;
  // Asks the job to stop (SIGTERM locally; Batch TerminateJob / ECS StopTask remotely). The job
  // still has to be polled until it reports an outcome.
  virtual void request_stop() = 0;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  [[nodiscard]] virtual std::string name() const = 0;  // "local", "docker", "batch", "ecs"
  // Starts one job. Throws Error: kTransient for API/launch failures that may pass, kConfig for
  // bad settings.
  [[nodiscard]] virtual std::unique_ptr<RunningJob> start(const JobSpec& spec) = 0;
};

}  // namespace txt2pdf
