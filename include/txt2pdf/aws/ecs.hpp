// Amazon ECS API (JSON 1.1, X-Amz-Target AmazonEC2ContainerServiceV20141113.*, SigV4 service
// "ecs"): RunTask, DescribeTasks, StopTask. Pure request builders and response/error parsers.
// API reference: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ (model: botocore
// data/ecs/2014-11-13/service-2.json).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "txt2pdf/aws/job_tags.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf::ecs {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// RunTask parameters for one task on Fargate (awsvpc networking is mandatory there).
struct RunTaskInput {
  std::string cluster;  // empty: the default cluster
  std::string task_definition;
  std::string launch_type = "FARGATE";
  std::string platform_version;  // empty: left to ECS (LATEST)
  std::vector<std::string> subnets;
  std::vector<std::string> security_groups;
  bool assign_public_ip = false;
  std::string container_name;  // the container whose environment is overridden
  NameValues environment;      // in this order
  std::string started_by = "txt2pdf-dispatcher";
  // {key, value}. The managed-by tag is what lets the deploy/ policies' StopTask through: a
  // caller that replaces `tags` must keep it.
  NameValues tags = {{kManagedByTagKey, kManagedByTagValue}};
};

[[nodiscard]] nlohmann::json run_task_body(const RunTaskInput& input);

// `endpoint` is "https://ecs.us-east-1.amazonaws.com" or a stand-in's base URL.
[[nodiscard]] HttpRequest run_task_request(const std::string& endpoint, const RunTaskInput& input);
[[nodiscard]] HttpRequest describe_tasks_request(const std::string& endpoint, const std::string& cluster,
                                                 const std::vector<std::string>& task_arns);
[[nodiscard]] HttpRequest stop_task_request(const std::string& endpoint, const std::string& cluster,
                                            const std::string& task_arn, const std::string& reason);

// The started task's ARN. RunTask can answer 200 without starting anything: a `failures[]` entry
// instead of a task becomes Error with aws_code = the failure's reason: kConfig for "ATTRIBUTE"
// (no capacity provider can ever satisfy the task), kTransient otherwise (RESOURCE:*, MISSING,
// AGENT, Fargate capacity shortages: worth trying later). Malformed body → kTransient.
[[nodiscard]] std::string parse_run_task_response(std::string_view body);

struct TaskStatus {
  std::string task_arn;
  std::string last_status;       // PROVISIONING, PENDING, ACTIVATING, RUNNING, …, STOPPED
  std::optional<int> exit_code;  // of the container named in the request
  std::string stopped_reason;    // stoppedReason, else the container's reason
  std::string stop_code;         // e.g. EssentialContainerExited, TaskFailedToStart, UserInitiated
};

// The task `task_arn` in a DescribeTasks reply, its container `container_name` (or the only
// container when the name is not found); nullopt when the reply lists it under failures (MISSING)
// or not at all. Throws Error(kTransient) for a malformed body.
[[nodiscard]] std::optional<TaskStatus> parse_describe_tasks_response(std::string_view body,
                                                                      const std::string& task_arn,
                                                                      const std::string& container_name);

// STOPPED (or DELETED) → the container's exit code, 75 (transient) when it has none (the image
// could not be pulled, the task was stopped before the container ran, Fargate capacity reclaimed).
// nullopt while the task has not stopped.
[[nodiscard]] std::optional<int> final_exit_code(const TaskStatus& status);

// ECS's JSON errors ({"__type": code, "message"|"Message": text}):
// ClientException, InvalidParameterException, ClusterNotFoundException, PlatformUnknownException,
// PlatformTaskDefinitionIncompatibilityException, UnsupportedFeatureException → kConfig;
// AccessDeniedException and signature/credential errors → kAccessDenied;
// ServerException, ThrottlingException, 429, 5xx → kTransient.
[[nodiscard]] Error parse_error(const HttpResponse& response);

}  // namespace txt2pdf::ecs
