// The AWS Batch and ECS (Fargate) launchers, and the routing rule of LAUNCHER=auto.
// Settings come from AwsLauncherSettings (dispatcher_config.hpp, parsed from the environment);
// request bodies are built by batch.hpp / ecs.hpp, signed and sent by AwsClient.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/aws/batch.hpp"
#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/ecs.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/dispatch/launcher.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf {

inline constexpr const char* kDefaultContainerName = "txt2pdf-job";

// LAUNCHER=auto: the source object's metadata (x-amz-meta-* names with or without that prefix,
// any case) "processor-type: pool" → "batch", anything else → "ecs".
[[nodiscard]] std::string route_launcher(const std::map<std::string, std::string>& source_metadata);

// Throws Error(kConfig) naming the first missing variable: JOB_QUEUE, JOB_DEFINITION for
// "batch"; TASK_DEFINITION, SUBNETS for "ecs"; both sets for "auto"; nothing for other launchers.
void check_aws_launcher_settings(const AwsLauncherSettings& settings, std::string_view launcher);

// SOURCE_BUCKET, OBJECT_KEY, DEST_BUCKET and DEST_KEY (when set), in that order.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> job_environment(const JobSpec& spec);

// The endpoint to talk to: the configured one, else https://<service>.<region>.amazonaws.com.
[[nodiscard]] std::string batch_endpoint_of(const AwsLauncherSettings& settings);
[[nodiscard]] std::string ecs_endpoint_of(const AwsLauncherSettings& settings);

// Pure: what start() submits for `spec` (job name "txt2pdf-<object key>", sanitised).
[[nodiscard]] batch::SubmitJobInput batch_submit_input(const AwsLauncherSettings& settings, const JobSpec& spec);
// Pure: what start() runs for `spec` (container CONTAINER_NAME, default kDefaultContainerName).
[[nodiscard]] ecs::RunTaskInput ecs_run_task_input(const AwsLauncherSettings& settings, const JobSpec& spec);

// The launchers. Each checks its settings (Error(kConfig) naming the variable), owns its HTTP
// client (libcurl when `http` is null) and is safe to use from several threads: calls are
// serialised by a lock shared with the jobs it started, which may outlive it. `credentials` and
// `clock` must outlive the launcher and its jobs.
// start() throws what SubmitJob/RunTask answered (kTransient for throttling, 5xx and RunTask
// failures[], kConfig for unknown queues/clusters, kAccessDenied for credentials).
// RunningJob::poll() asks DescribeJobs/DescribeTasks at most once per settings.poll_interval and
// returns nullopt in between; it throws Error(kTransient) when the status cannot be read, and
// reports exit code 75 when AWS no longer knows the job (three answers in a row without it).
// request_stop() sends TerminateJob/StopTask.
[[nodiscard]] std::unique_ptr<Launcher> make_batch_launcher(const AwsLauncherSettings& settings,
                                                            CredentialsProvider& credentials, Clock& clock,
                                                            std::unique_ptr<HttpClient> http = nullptr,
                                                            RetryPolicy policy = {});
[[nodiscard]] std::unique_ptr<Launcher> make_ecs_launcher(const AwsLauncherSettings& settings,
                                                          CredentialsProvider& credentials, Clock& clock,
                                                          std::unique_ptr<HttpClient> http = nullptr,
                                                          RetryPolicy policy = {});

}  // namespace txt2pdf
