// AWS Batch API (REST-JSON, SigV4 service "batch"): SubmitJob, DescribeJobs, TerminateJob.
// Pure request builders and response/error parsers; sending is AwsClient's job.
// API reference: https://docs.aws.amazon.com/batch/latest/APIReference/ (model: botocore
// data/batch/2016-08-10/service-2.json).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "txt2pdf/aws/job_tags.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf::batch {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// SubmitJob parameters. Optional members are left out of the body when empty/zero, so the job
// definition's values apply.
struct SubmitJobInput {
  std::string job_name;  // must already be valid: see sanitize_job_name()
  std::string job_queue;
  std::string job_definition;
  NameValues environment;            // containerOverrides.environment, in this order
  std::vector<std::string> command;  // containerOverrides.command
  NameValues resource_requirements;  // containerOverrides.resourceRequirements {type, value}
  int retry_attempts = 0;            // retryStrategy.attempts (1..10)
  NameValues evaluate_on_exit;       // retryStrategy.evaluateOnExit {onExitCode, action}
  int attempt_duration_seconds = 0;  // timeout.attemptDurationSeconds
  // Tags of the job, copied to its ECS task (propagateTags). The managed-by tag is what lets the
  // deploy/ policies' TerminateJob through: a caller that replaces `tags` must keep it.
  bool propagate_tags = true;
  std::map<std::string, std::string> tags = {{kManagedByTagKey, kManagedByTagValue}};
};

// Batch job names: up to 128 letters, digits, hyphens and underscores, starting with a letter or
// digit. Everything else becomes '_'; empty input gives "job".
[[nodiscard]] std::string sanitize_job_name(std::string_view name);

[[nodiscard]] nlohmann::json submit_job_body(const SubmitJobInput& input);

// `endpoint` is "https://batch.us-east-1.amazonaws.com" or a stand-in's base URL (no trailing path).
[[nodiscard]] HttpRequest submit_job_request(const std::string& endpoint, const SubmitJobInput& input);
[[nodiscard]] HttpRequest describe_jobs_request(const std::string& endpoint, const std::vector<std::string>& job_ids);
[[nodiscard]] HttpRequest terminate_job_request(const std::string& endpoint, const std::string& job_id,
                                                const std::string& reason);

struct SubmitJobOutput {
  std::string job_id;
  std::string job_arn;
  std::string job_name;
};

// Throws Error(kTransient) when the body is not the documented shape (a proxy's page, a cut reply).
[[nodiscard]] SubmitJobOutput parse_submit_job_response(std::string_view body);

// Job states in the order a job goes through them.
enum class JobState { kSubmitted, kPending, kRunnable, kStarting, kRunning, kSucceeded, kFailed };
[[nodiscard]] std::optional<JobState> job_state_from(std::string_view status);
[[nodiscard]] inline bool is_final(JobState state) noexcept {
  return state == JobState::kSucceeded || state == JobState::kFailed;
}

struct JobStatus {
  std::string job_id;
  JobState state = JobState::kSubmitted;
  std::optional<int> exit_code;  // container.exitCode, else the last attempt's
  std::string status_reason;     // statusReason, else the container's reason
};

// The job `job_id` in a DescribeJobs reply; nullopt when the reply does not list it (unknown or
// expired job). Throws Error(kTransient) for a malformed body or an unknown status.
[[nodiscard]] std::optional<JobStatus> parse_describe_jobs_response(std::string_view body, const std::string& job_id);

// The job's exit code as the dispatcher sees it: SUCCEEDED → container exit code (0 when absent);
// FAILED → the container's exit code, or 75 (transient) when it never produced one (container
// could not start, host lost, terminated before running). nullopt while not final.
[[nodiscard]] std::optional<int> final_exit_code(const JobStatus& status);

// Batch's REST-JSON errors: code from the x-amzn-ErrorType header ("ClientException:http://…"),
// else the body's "__type"/"code"; message from "message"/"Message".
// ClientException → kConfig (unknown queue or definition, invalid parameters: fix the settings);
// signature and credential errors, AccessDenied*, 401/403 → kAccessDenied;
// ServerException, throttling, 429 and 5xx → kTransient; other 4xx → kConfig.
[[nodiscard]] Error parse_error(const HttpResponse& response);

// The pieces of an AWS JSON error reply (REST-JSON and JSON 1.0/1.1 alike; ecs.cpp uses these too).
struct JsonErrorReply {
  std::string code;  // "ClientException", without the header's ":…" suffix or __type's "ns#" prefix
  std::string message;
  std::string request_id;  // x-amzn-RequestId
};
[[nodiscard]] JsonErrorReply read_json_error(const HttpResponse& response);

}  // namespace txt2pdf::batch
