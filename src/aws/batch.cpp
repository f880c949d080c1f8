#include "txt2pdf/aws/batch.hpp"

#include <array>

#include "txt2pdf/aws/aws_errors.hpp"

namespace txt2pdf::batch {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxJobNameLength = 128;

json name_value_list(const NameValues& pairs, const char* first, const char* second) {
  json list = json::array();
  for (const auto& [name, value] : pairs) list.push_back({{first, name}, {second, value}});
  return list;
}

HttpRequest json_post(const std::string& endpoint, std::string_view path, const json& body) {
  HttpRequest request;
  request.method = "POST";
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  request.url = base + std::string(path);
  request.headers.emplace_back("Content-Type", "application/json");
  // Never throws: invalid UTF-8 (a key decoded from an event) becomes U+FFFD rather than a type_error.
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return request;
}

json parse_body(std::string_view body, std::string_view what) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    throw Error(ErrorKind::kTransient, "AWS Batch " + std::string(what) + " reply is not a JSON object");
  }
  return parsed;
}

std::string string_member(const json& object, const char* name) {
  const auto found = object.find(name);
  return (found != object.end() && found->is_string()) ? found->get<std::string>() : std::string();
}

std::optional<int> exit_code_member(const json& object) {
  const auto container = object.find("container");
  if (container == object.end() || !container->is_object()) return std::nullopt;
  const auto code = container->find("exitCode");
  if (code == container->end() || !code->is_number_integer()) return std::nullopt;
  return code->get<int>();
}

std::string container_reason(const json& object) {
  const auto container = object.find("container");
  return (container != object.end() && container->is_object()) ? string_member(*container, "reason") : std::string();
}

JobStatus status_of(const json& job) {
  JobStatus status;
  status.job_id = string_member(job, "jobId");
  const auto text = string_member(job, "status");
  const auto state = job_state_from(text);
  if (!state)
    throw Error(ErrorKind::kTransient, "AWS Batch job " + status.job_id + " has unknown status \"" + text + "\"");
  status.state = *state;
  status.status_reason = string_member(job, "statusReason");
  status.exit_code = exit_code_member(job);
  if (status.status_reason.empty()) status.status_reason = container_reason(job);
  // The top-level container describes the last attempt, but only once Batch has copied it there.
  const auto attempts = job.find("attempts");
  if (attempts != job.end() && attempts->is_array() && !attempts->empty() && attempts->back().is_object()) {
    if (!status.exit_code) status.exit_code = exit_code_member(attempts->back());
    if (status.status_reason.empty()) status.status_reason = container_reason(attempts->back());
    if (status.status_reason.empty()) status.status_reason = string_member(attempts->back(), "statusReason");
  }
  return status;
}

}  // namespace

std::string sanitize_job_name(std::string_view name) {
  std::string result;
  for (const char c : name) {
    if (result.size() == kMaxJobNameLength) break;
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    result += allowed ? c : '_';
  }
  if (result.empty()) return "job";
  // The name must start with a letter or a digit.
  if (result.front() == '-' || result.front() == '_') {
    result.insert(result.begin(), 'j');
    if (result.size() > kMaxJobNameLength) result.pop_back();
  }
  return result;
}

json submit_job_body(const SubmitJobInput& input) {
  json body = {{"jobName", input.job_name}, {"jobQueue", input.job_queue}, {"jobDefinition", input.job_definition}};
  json overrides = json::object();
  if (!input.environment.empty()) overrides["environment"] = name_value_list(input.environment, "name", "value");
  if (!input.command.empty()) overrides["command"] = input.command;
  if (!input.resource_requirements.empty()) {
    overrides["resourceRequirements"] = name_value_list(input.resource_requirements, "type", "value");
  }
  if (!overrides.empty()) body["containerOverrides"] = std::move(overrides);
  if (input.retry_attempts > 0 || !input.evaluate_on_exit.empty()) {
    json strategy = json::object();
    if (input.retry_attempts > 0) strategy["attempts"] = input.retry_attempts;
    if (!input.evaluate_on_exit.empty()) {
      strategy["evaluateOnExit"] = name_value_list(input.evaluate_on_exit, "onExitCode", "action");
    }
    body["retryStrategy"] = std::move(strategy);
  }
  if (input.attempt_duration_seconds > 0)
    body["timeout"] = {{"attemptDurationSeconds", input.attempt_duration_seconds}};
  if (input.propagate_tags) body["propagateTags"] = true;
  if (!input.tags.empty()) body["tags"] = input.tags;
  return body;
}

HttpRequest submit_job_request(const std::string& endpoint, const SubmitJobInput& input) {
  return json_post(endpoint, "/v1/submitjob", submit_job_body(input));
}

HttpRequest describe_jobs_request(const std::string& endpoint, const std::vector<std::string>& job_ids) {
  return json_post(endpoint, "/v1/describejobs", json{{"jobs", job_ids}});
}

HttpRequest terminate_job_request(const std::string& endpoint, const std::string& job_id, const std::string& reason) {
  return json_post(endpoint, "/v1/terminatejob", json{{"jobId", job_id}, {"reason", reason}});
}

SubmitJobOutput parse_submit_job_response(std::string_view body) {
  const json parsed = parse_body(body, "SubmitJob");
  SubmitJobOutput output{string_member(parsed, "jobId"), string_member(parsed, "jobArn"),
                         string_member(parsed, "jobName")};
  if (output.job_id.empty()) throw Error(ErrorKind::kTransient, "AWS Batch SubmitJob reply has no jobId");
  return output;
}

std::optional<JobState> job_state_from(std::string_view status) {
  static constexpr std::array<std::pair<std::string_view, JobState>, 7> kStates{{
      {"SUBMITTED", JobState::kSubmitted},
      {"PENDING", JobState::kPending},
      {"RUNNABLE", JobState::kRunnable},
      {"STARTING", JobState::kStarting},
      {"RUNNING", JobState::kRunning},
      {"SUCCEEDED", JobState::kSucceeded},
      {"FAILED", JobState::kFailed},
  }};
  for (const auto& [name, state] : kStates) {
    if (name == status) return state;
  }
  return std::nullopt;
}

std::optional<JobStatus> parse_describe_jobs_response(std::string_view body, const std::string& job_id) {
  const json parsed = parse_body(body, "DescribeJobs");
  const auto jobs = parsed.find("jobs");
  if (jobs == parsed.end() || !jobs->is_array()) {
    throw Error(ErrorKind::kTransient, "AWS Batch DescribeJobs reply has no jobs list");
  }
  for (const auto& job : *jobs) {
    if (job.is_object() && string_member(job, "jobId") == job_id) return status_of(job);
  }
  return std::nullopt;
}

std::optional<int> final_exit_code(const JobStatus& status) {
  if (status.state == JobState::kSucceeded) return status.exit_code.value_or(0);
  if (status.state == JobState::kFailed) return status.exit_code.value_or(75);
  return std::nullopt;
}

JsonErrorReply read_json_error(const HttpResponse& response) {
  JsonErrorReply reply;
  reply.request_id = response.header("x-amzn-RequestId").value_or("");
  const json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    reply.code = string_member(parsed, "__type");
    if (reply.code.empty()) reply.code = string_member(parsed, "code");
    reply.message = string_member(parsed, "message");
    if (reply.message.empty()) reply.message = string_member(parsed, "Message");
  }
  // The header wins over the body, as in botocore's REST-JSON parser.
  if (const auto header = response.header("x-amzn-ErrorType")) reply.code = *header;
  if (const auto colon = reply.code.find(':'); colon != std::string::npos) reply.code.resize(colon);
  if (const auto hash = reply.code.rfind('#'); hash != std::string::npos) reply.code.erase(0, hash + 1);
  return reply;
}

Error parse_error(const HttpResponse& response) {
  const auto reply = read_json_error(response);
  std::string message = "AWS Batch replied " + std::to_string(response.status);
  if (!reply.code.empty()) message += " " + reply.code;
  if (!reply.message.empty()) message += ": " + reply.message;
  return aws_error(AwsService::kBatch, response.status, reply.code, reply.request_id, message);
}

}  // namespace txt2pdf::batch
