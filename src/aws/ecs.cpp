#include "txt2pdf/aws/ecs.hpp"

#include "txt2pdf/aws/aws_errors.hpp"
#include "txt2pdf/aws/batch.hpp"

namespace txt2pdf::ecs {
namespace {

using nlohmann::json;

constexpr std::string_view kTargetPrefix = "AmazonEC2ContainerServiceV20141113.";

HttpRequest json11_post(const std::string& endpoint, std::string_view operation, const json& body) {
  HttpRequest request;
  request.method = "POST";
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  request.url = base + "/";
  request.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  request.headers.emplace_back("X-Amz-Target", std::string(kTargetPrefix) + std::string(operation));
  // Never throws: invalid UTF-8 (a key decoded from an event) becomes U+FFFD rather than a type_error.
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return request;
}

json parse_body(std::string_view body, std::string_view what) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object())
    throw Error(ErrorKind::kTransient, "ECS " + std::string(what) + " reply is not a JSON object");
  return parsed;
}

std::string string_member(const json& object, const char* name) {
  const auto found = object.find(name);
  return (found != object.end() && found->is_string()) ? found->get<std::string>() : std::string();
}

const json* array_member(const json& object, const char* name) {
  const auto found = object.find(name);
  return (found != object.end() && found->is_array()) ? &*found : nullptr;
}

const json* find_container(const json& task, const std::string& container_name) {
  const json* containers = array_member(task, "containers");
  if (containers == nullptr) return nullptr;
  for (const auto& container : *containers) {
    if (container.is_object() && string_member(container, "name") == container_name) return &container;
  }
  if (containers->size() == 1 && containers->front().is_object()) return &containers->front();
  return nullptr;
}

TaskStatus status_of(const json& task, const std::string& container_name) {
  TaskStatus status;
  status.task_arn = string_member(task, "taskArn");
  status.last_status = string_member(task, "lastStatus");
  status.stopped_reason = string_member(task, "stoppedReason");
  status.stop_code = string_member(task, "stopCode");
  if (const json* container = find_container(task, container_name)) {
    const auto code = container->find("exitCode");
    if (code != container->end() && code->is_number_integer()) status.exit_code = code->get<int>();
    if (status.stopped_reason.empty()) status.stopped_reason = string_member(*container, "reason");
  }
  return status;
}

}  // namespace

json run_task_body(const RunTaskInput& input) {
  json body = json::object();
  if (!input.cluster.empty()) body["cluster"] = input.cluster;
  body["taskDefinition"] = input.task_definition;
  body["launchType"] = input.launch_type;
  body["count"] = 1;
  if (!input.platform_version.empty()) body["platformVersion"] = input.platform_version;
  json vpc = {{"subnets", input.subnets}};
  if (!input.security_groups.empty()) vpc["securityGroups"] = input.security_groups;
  vpc["assignPublicIp"] = input.assign_public_ip ? "ENABLED" : "DISABLED";
  body["networkConfiguration"] = {{"awsvpcConfiguration", std::move(vpc)}};
  json environment = json::array();
  for (const auto& [name, value] : input.environment) environment.push_back({{"name", name}, {"value", value}});
  body["overrides"] = {
      {"containerOverrides", json::array({{{"name", input.container_name}, {"environment", std::move(environment)}}})}};
  if (!input.started_by.empty()) body["startedBy"] = input.started_by;
  if (!input.tags.empty()) {
    json tags = json::array();
    for (const auto& [key, value] : input.tags) tags.push_back({{"key", key}, {"value", value}});
    body["tags"] = std::move(tags);
  }
  return body;
}

HttpRequest run_task_request(const std::string& endpoint, const RunTaskInput& input) {
  return json11_post(endpoint, "RunTask", run_task_body(input));
}

HttpRequest describe_tasks_request(const std::string& endpoint, const std::string& cluster,
                                   const std::vector<std::string>& task_arns) {
  json body = json::object();
  if (!cluster.empty()) body["cluster"] = cluster;
  body["tasks"] = task_arns;
  return json11_post(endpoint, "DescribeTasks", body);
}

HttpRequest stop_task_request(const std::string& endpoint, const std::string& cluster, const std::string& task_arn,
                              const std::string& reason) {
  json body = json::object();
  if (!cluster.empty()) body["cluster"] = cluster;
  body["task"] = task_arn;
  if (!reason.empty()) body["reason"] = reason;
  return json11_post(endpoint, "StopTask", body);
}

std::string parse_run_task_response(std::string_view body) {
  const json parsed = parse_body(body, "RunTask");
  if (const json* tasks = array_member(parsed, "tasks"); tasks != nullptr && !tasks->empty()) {
    std::string arn = tasks->front().is_object() ? string_member(tasks->front(), "taskArn") : std::string();
    if (!arn.empty()) return arn;
  }
  const json* failures = array_member(parsed, "failures");
  if (failures == nullptr || failures->empty() || !failures->front().is_object()) {
    throw Error(ErrorKind::kTransient, "ECS RunTask reply has neither a task nor a failure");
  }
  const json& failure = failures->front();
  const std::string reason = string_member(failure, "reason");
  const std::string detail = string_member(failure, "detail");
  // ATTRIBUTE: no container instance has what the task definition requires; waiting will not help.
  const ErrorKind kind = reason == "ATTRIBUTE" ? ErrorKind::kConfig : ErrorKind::kTransient;
  std::string message = "ECS RunTask started no task: " + reason;
  if (!detail.empty()) message += " (" + detail + ")";
  const std::string arn = string_member(failure, "arn");
  if (!arn.empty()) message += " on " + arn;
  throw Error(kind, message).with_aws(200, reason, "");
}

std::optional<TaskStatus> parse_describe_tasks_response(std::string_view body, const std::string& task_arn,
                                                        const std::string& container_name) {
  const json parsed = parse_body(body, "DescribeTasks");
  const json* tasks = array_member(parsed, "tasks");
  if (tasks == nullptr) throw Error(ErrorKind::kTransient, "ECS DescribeTasks reply has no tasks list");
  for (const auto& task : *tasks) {
    if (task.is_object() && string_member(task, "taskArn") == task_arn) return status_of(task, container_name);
  }
  return std::nullopt;
}

std::optional<int> final_exit_code(const TaskStatus& status) {
  if (status.last_status != "STOPPED" && status.last_status != "DELETED") return std::nullopt;
  return status.exit_code.value_or(75);
}

Error parse_error(const HttpResponse& response) {
  const auto reply = batch::read_json_error(response);
  // ECS-specific errors (unknown cluster, bad subnet, incompatible platform) are unknown 4xx
  // codes to the table: config, fix the settings.
  std::string message = "ECS replied " + std::to_string(response.status);
  if (!reply.code.empty()) message += " " + reply.code;
  if (!reply.message.empty()) message += ": " + reply.message;
  return aws_error(AwsService::kEcs, response.status, reply.code, reply.request_id, message);
}

}  // namespace txt2pdf::ecs
