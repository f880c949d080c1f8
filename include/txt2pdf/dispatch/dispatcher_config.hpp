// txt2pdf-dispatcher's configuration, parsed from the environment map in one pure function (every
// rule unit-tested). The README's dispatcher table documents exactly these variables.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/log.hpp"

namespace txt2pdf {

// Settings of the AWS Batch and ECS launchers (launchers_aws.hpp reads these).
struct AwsLauncherSettings {
  std::string region;          // AWS_REGION, else AWS_DEFAULT_REGION, else "us-east-1"
  std::string batch_endpoint;  // AWS_ENDPOINT_URL_BATCH, else AWS_ENDPOINT_URL, else empty (AWS default)
  std::string ecs_endpoint;    // AWS_ENDPOINT_URL_ECS, else AWS_ENDPOINT_URL, else empty
  // AWS Batch: JOB_QUEUE and JOB_DEFINITION (name, name:revision or ARN).
  std::string job_queue;
  std::string job_definition;
  // ECS RunTask on Fargate: ECS_CLUSTER, TASK_DEFINITION, CONTAINER_NAME (the container whose
  // environment is overridden), SUBNETS and SECURITY_GROUPS (comma-separated ids), ASSIGN_PUBLIC_IP.
  std::string ecs_cluster;
  std::string task_definition;
  std::string container_name;
  std::vector<std::string> subnets;
  std::vector<std::string> security_groups;
  bool assign_public_ip = false;
  // JOB_POLL_SECONDS: how often DescribeJobs/DescribeTasks is asked about a running job.
  std::chrono::seconds poll_interval{10};
};

// The console (console.hpp), off unless CONSOLE=on.
struct ConsoleConfig {
  bool enabled = false;                           // CONSOLE
  std::string address = "127.0.0.1";              // CONSOLE_ADDRESS (IPv4)
  int port = 8081;                                // CONSOLE_PORT
  std::string token;                              // CONSOLE_TOKEN: empty means no token is asked for
  std::string upload_bucket;                      // CONSOLE_UPLOAD_BUCKET: empty disables uploads
  std::string upload_prefix;                      // CONSOLE_UPLOAD_PREFIX, default KEY_PREFIX
  std::uint64_t max_upload_bytes = 256ull << 20;  // MAX_INPUT_BYTES (the job's limit)
  std::chrono::seconds link_expiry{300};          // CONSOLE_LINK_SECONDS, 1..604800
};

struct DispatcherConfig {
  std::string queue_url;                   // QUEUE_URL (required)
  std::string dest_bucket;                 // DEST_BUCKET (required)
  std::string dest_prefix;                 // DEST_PREFIX: prepended to each job's default destination key
  std::string dlq_url;                     // DLQ_URL: empty leaves permanent failures to the queue's redrive policy
  std::string launcher = "worker";         // LAUNCHER: worker, local, docker, batch, ecs, auto
  std::vector<std::string> job_command;    // JOB_COMMAND split on spaces; empty: txt2pdf-job beside us
  std::string docker_command = "docker";   // DOCKER_COMMAND (e.g. podman)
  std::string job_image;                   // JOB_IMAGE (docker launcher, required there)
  std::vector<std::string> docker_args;    // DOCKER_ARGS split on spaces (e.g. --network host)
  int max_concurrency = 4;                 // MAX_CONCURRENCY, 1..256
  int health_port = 8080;                  // HEALTH_PORT; 0 disables the health server
  std::string health_address = "0.0.0.0";  // HEALTH_ADDRESS
  std::chrono::seconds wait_time{20};      // WAIT_TIME_SECONDS, 0..20
  std::chrono::seconds visibility_timeout{60};  // VISIBILITY_TIMEOUT_SECONDS: each heartbeat sets it
  std::chrono::seconds drain_timeout{25};       // DRAIN_TIMEOUT_SECONDS
  std::chrono::seconds health_max_age{120};     // HEALTH_MAX_AGE_SECONDS since the last good receive
  // RETRY_BASE_SECONDS: visibility delay after a transient failure. 30 s: three receives span
  // 30 + 60 s, which outlasts a minute of throttling (10 s did not: issue 12, bug 8).
  std::chrono::seconds retry_base_delay{30};
  // JOB_TIMEOUT_SECONDS (0: none): a job running longer is stopped (SIGTERM, TerminateJob,
  // StopTask), given a short grace, and its message retried.
  std::chrono::seconds job_timeout{900};
  // CONTROL_TIMEOUT_SECONDS: total time limit of one attempt of a control call (HEAD, Delete,
  // ChangeVisibility, SendMessage, SubmitJob, RunTask...), so a black-holed connection cannot hold
  // the dispatching thread and starve every other message's heartbeat.
  std::chrono::seconds control_timeout{10};
  // The queue's RedrivePolicy maxReceiveCount (read at start-up; 0: unknown or none). A transient
  // failure on that last receive goes to DLQ_URL with its reason instead of moving there silently.
  int max_receive_count = 0;
  std::string key_prefix;                   // KEY_PREFIX: only keys starting with it
  std::string key_suffix;                   // KEY_SUFFIX: only keys ending with it (e.g. ".txt")
  std::string region;                       // AWS_REGION, AWS_DEFAULT_REGION, us-east-1
  std::string sqs_endpoint;                 // AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, else derived from QUEUE_URL
  LogFormat log_format = LogFormat::kJson;  // TXT2PDF_LOG_FORMAT: json or human
  // For the HEADs that route (LAUNCHER=auto) and verify: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
  // TXT2PDF_S3_FORCE_PATH_STYLE, the region (the job's own rules).
  S3Config s3;
  AwsLauncherSettings aws;
  // The worker pool (LAUNCHER=worker, and auto's small objects): launcher_worker.hpp.
  int worker_max_jobs = 500;                       // WORKER_MAX_JOBS, 1..1000000
  std::uint64_t worker_memory_bytes = 1ull << 30;  // WORKER_MEMORY_BYTES (RLIMIT_AS), 0 = none
  int worker_crash_limit = 2;                      // WORKER_CRASH_LIMIT, 1..100
  // LAUNCHER=auto (routing.hpp): INPROCESS_MAX_BYTES, AUTO_LARGE_LAUNCHER (batch or ecs).
  std::uint64_t inprocess_max_bytes = 32ull << 20;
  std::string auto_large_launcher = "batch";
  bool sqs_batch = true;  // SQS_BATCH: DeleteMessageBatch / ChangeMessageVisibilityBatch
  ConsoleConfig console;
};

// Throws Error(kConfig) naming the variable that is missing or malformed.
[[nodiscard]] DispatcherConfig parse_dispatcher_config(const Environment& env);

// HEALTH_PORT (0..65535; 8080 when unset), the one rule for the service and `healthcheck`.
// Throws Error(kConfig) naming the variable.
[[nodiscard]] int health_port_from(const Environment& env);

// Only the AWS launcher settings (what launchers_aws needs), with the same rules.
[[nodiscard]] AwsLauncherSettings parse_aws_launcher_settings(const Environment& env);

// The SQS endpoint for a queue URL: "https://sqs.eu-west-1.amazonaws.com/123/q" ->
// "https://sqs.eu-west-1.amazonaws.com". Throws Error(kConfig) naming `variable`.
[[nodiscard]] std::string endpoint_of_queue_url(const std::string& variable, const std::string& queue_url);

}  // namespace txt2pdf
