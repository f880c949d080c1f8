#include "txt2pdf/dispatch/launchers_aws.hpp"

#include <cctype>
#include <mutex>
#include <optional>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

// Answers in a row that do not list a job before it counts as lost (DescribeJobs can lag a
// fresh SubmitJob by a moment; a job that stays absent has expired or never existed).
constexpr int kMissesBeforeLost = 3;

void require(const std::string& value, const char* variable, std::string_view launcher) {
  if (value.empty()) {
    throw Error(ErrorKind::kConfig, std::string(variable) + " is required when LAUNCHER=" + std::string(launcher));
  }
}

// One API connection shared by a launcher and the jobs it started: AwsClient and the HTTP client
// are not thread-safe, so every call goes through the lock.
class ApiSession {
 public:
  ApiSession(std::unique_ptr<HttpClient> http, CredentialsProvider& credentials, Clock& clock, RetryPolicy policy,
             sigv4::Scope scope, std::string endpoint, ErrorParser parse_error)
      : http_(http ? std::move(http) : make_curl_http_client()),
        client_(*http_, credentials, clock, policy),
        clock_(clock),
        scope_(std::move(scope)),
        endpoint_(std::move(endpoint)),
        parse_error_(std::move(parse_error)) {}

  HttpResponse send(const HttpRequest& request) {
    const std::lock_guard<std::mutex> lock(mutex_);
    return client_.send(request, scope_, sigv4::Options{}, parse_error_);
  }
  [[nodiscard]] Clock& clock() const { return clock_; }
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  std::mutex mutex_;
  std::unique_ptr<HttpClient> http_;
  AwsClient client_;
  Clock& clock_;
  sigv4::Scope scope_;
  std::string endpoint_;
  ErrorParser parse_error_;
};

// What one Describe* call said about a job: not listed, still running, or finished.
struct Observation {
  bool listed = false;
  std::optional<JobOutcome> outcome;
};

class RemoteJob : public RunningJob {
 public:
  RemoteJob(std::shared_ptr<ApiSession> session, std::string id, std::chrono::seconds interval)
      : session_(std::move(session)), id_(std::move(id)), interval_(interval) {}

  [[nodiscard]] const std::string& id() const override { return id_; }

  [[nodiscard]] std::optional<JobOutcome> poll() override {
    if (outcome_) return outcome_;
    const auto now = session_->clock().now();
    if (last_check_ && now - *last_check_ < interval_) return std::nullopt;
    last_check_ = now;
    Observation observation;
    try {
      observation = observe();
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kTransient) throw;
      throw Error(ErrorKind::kTransient, "cannot read the status of job " + id_ + ": " + e.what())
          .with_aws(e.http_status(), e.aws_code(), e.request_id());
    }
    if (!observation.listed) {
      if (++misses_ >= kMissesBeforeLost) {
        outcome_ = JobOutcome{75, id_, "job no longer known to " + service_name() + stop_note()};
      }
      return outcome_;
    }
    misses_ = 0;
    outcome_ = observation.outcome;
    if (outcome_) outcome_->detail += stop_note();
    return outcome_;
  }

  void request_stop() override {
    // Never throws: a refused stop is reported with the job's outcome, which still has to be polled.
    try {
      (void)session_->send(stop_request("txt2pdf-dispatcher asked the job to stop"));
    } catch (const Error& e) {
      stop_error_ = e.what();
    }
  }

 protected:
  [[nodiscard]] ApiSession& session() const { return *session_; }
  virtual Observation observe() = 0;
  [[nodiscard]] virtual HttpRequest stop_request(const std::string& reason) const = 0;
  [[nodiscard]] virtual std::string service_name() const = 0;

 private:
  [[nodiscard]] std::string stop_note() const {
    return stop_error_.empty() ? "" : " (stop failed: " + stop_error_ + ")";
  }

  std::shared_ptr<ApiSession> session_;
  std::string id_;
  std::chrono::seconds interval_;
  std::optional<std::chrono::system_clock::time_point> last_check_;
  std::optional<JobOutcome> outcome_;
  int misses_ = 0;
  std::string stop_error_;
};

class BatchJob final : public RemoteJob {
 public:
  using RemoteJob::RemoteJob;

 private:
  Observation observe() override {
    const auto reply = session().send(batch::describe_jobs_request(session().endpoint(), {id()}));
    const auto status = batch::parse_describe_jobs_response(reply.body, id());
    if (!status) return {};
    Observation observation{true, std::nullopt};
    if (const auto code = batch::final_exit_code(*status)) {
      std::string detail = status->state == batch::JobState::kSucceeded ? "SUCCEEDED" : "FAILED";
      if (!status->status_reason.empty()) detail += ": " + status->status_reason;
      observation.outcome = JobOutcome{*code, id(), std::move(detail)};
    }
    return observation;
  }
  [[nodiscard]] HttpRequest stop_request(const std::string& reason) const override {
    return batch::terminate_job_request(session().endpoint(), id(), reason);
  }
  [[nodiscard]] std::string service_name() const override { return "AWS Batch"; }
};

class EcsTask final : public RemoteJob {
 public:
  EcsTask(std::shared_ptr<ApiSession> session, std::string arn, std::chrono::seconds interval, std::string cluster,
          std::string container)
      : RemoteJob(std::move(session), std::move(arn), interval),
        cluster_(std::move(cluster)),
        container_(std::move(container)) {}

 private:
  Observation observe() override {
    const auto reply = session().send(ecs::describe_tasks_request(session().endpoint(), cluster_, {id()}));
    const auto status = ecs::parse_describe_tasks_response(reply.body, id(), container_);
    if (!status) return {};
    Observation observation{true, std::nullopt};
    if (const auto code = ecs::final_exit_code(*status)) {
      std::string detail = status->last_status;
      if (!status->stop_code.empty()) detail += " (" + status->stop_code + ")";
      if (!status->stopped_reason.empty()) detail += ": " + status->stopped_reason;
      observation.outcome = JobOutcome{*code, id(), std::move(detail)};
    }
    return observation;
  }
  [[nodiscard]] HttpRequest stop_request(const std::string& reason) const override {
    return ecs::stop_task_request(session().endpoint(), cluster_, id(), reason);
  }
  [[nodiscard]] std::string service_name() const override { return "ECS"; }

  std::string cluster_;
  std::string container_;
};

class BatchLauncher final : public Launcher {
 public:
  BatchLauncher(AwsLauncherSettings settings, std::shared_ptr<ApiSession> session)
      : settings_(std::move(settings)), session_(std::move(session)) {}
  [[nodiscard]] std::string name() const override { return "batch"; }
  [[nodiscard]] std::unique_ptr<RunningJob> start(const JobSpec& spec) override {
    const auto input = batch_submit_input(settings_, spec);
    const auto reply = session_->send(batch::submit_job_request(session_->endpoint(), input));
    const auto output = batch::parse_submit_job_response(reply.body);
    return std::make_unique<BatchJob>(session_, output.job_id, settings_.poll_interval);
  }

 private:
  AwsLauncherSettings settings_;
  std::shared_ptr<ApiSession> session_;
};

class EcsLauncher final : public Launcher {
 public:
  EcsLauncher(AwsLauncherSettings settings, std::shared_ptr<ApiSession> session)
      : settings_(std::move(settings)), session_(std::move(session)) {}
  [[nodiscard]] std::string name() const override { return "ecs"; }
  [[nodiscard]] std::unique_ptr<RunningJob> start(const JobSpec& spec) override {
    const auto input = ecs_run_task_input(settings_, spec);
    const auto reply = session_->send(ecs::run_task_request(session_->endpoint(), input));
    const auto arn = ecs::parse_run_task_response(reply.body);
    return std::make_unique<EcsTask>(session_, arn, settings_.poll_interval, input.cluster, input.container_name);
  }

 private:
  AwsLauncherSettings settings_;
  std::shared_ptr<ApiSession> session_;
};

}  // namespace

std::string route_launcher(const std::map<std::string, std::string>& source_metadata) {
  constexpr std::string_view kPrefix = "x-amz-meta-";
  for (const auto& [name, value] : source_metadata) {
    std::string key = to_lower(name);
    if (key.compare(0, kPrefix.size(), kPrefix) == 0) key.erase(0, kPrefix.size());
    if (key == "processor-type" && value == "pool") return "batch";
  }
  return "ecs";
}

void check_aws_launcher_settings(const AwsLauncherSettings& settings, std::string_view launcher) {
  if (launcher == "batch" || launcher == "auto") {
    require(settings.job_queue, "JOB_QUEUE", launcher);
    require(settings.job_definition, "JOB_DEFINITION", launcher);
  }
  if (launcher == "ecs" || launcher == "auto") {
    require(settings.task_definition, "TASK_DEFINITION", launcher);
    // Fargate tasks use awsvpc networking: RunTask is refused without a subnet.
    if (settings.subnets.empty()) require("", "SUBNETS", launcher);
  }
}

std::string batch_endpoint_of(const AwsLauncherSettings& settings) {
  return settings.batch_endpoint.empty() ? "https://batch." + settings.region + ".amazonaws.com"
                                         : settings.batch_endpoint;
}

std::string ecs_endpoint_of(const AwsLauncherSettings& settings) {
  return settings.ecs_endpoint.empty() ? "https://ecs." + settings.region + ".amazonaws.com" : settings.ecs_endpoint;
}

batch::SubmitJobInput batch_submit_input(const AwsLauncherSettings& settings, const JobSpec& spec) {
  batch::SubmitJobInput input;
  input.job_name = batch::sanitize_job_name("txt2pdf-" + spec.object_key);
  input.job_queue = settings.job_queue;
  input.job_definition = settings.job_definition;
  input.environment = job_environment(spec);
  return input;
}

ecs::RunTaskInput ecs_run_task_input(const AwsLauncherSettings& settings, const JobSpec& spec) {
  ecs::RunTaskInput input;
  input.cluster = settings.ecs_cluster;
  input.task_definition = settings.task_definition;
  input.subnets = settings.subnets;
  input.security_groups = settings.security_groups;
  input.assign_public_ip = settings.assign_public_ip;
  input.container_name = settings.container_name.empty() ? kDefaultContainerName : settings.container_name;
  input.environment = job_environment(spec);
  return input;
}

std::unique_ptr<Launcher> make_batch_launcher(const AwsLauncherSettings& settings, CredentialsProvider& credentials,
                                              Clock& clock, std::unique_ptr<HttpClient> http, RetryPolicy policy) {
  check_aws_launcher_settings(settings, "batch");
  auto session =
      std::make_shared<ApiSession>(std::move(http), credentials, clock, policy, sigv4::Scope{settings.region, "batch"},
                                   batch_endpoint_of(settings), &batch::parse_error);
  return std::make_unique<BatchLauncher>(settings, std::move(session));
}

std::unique_ptr<Launcher> make_ecs_launcher(const AwsLauncherSettings& settings, CredentialsProvider& credentials,
                                            Clock& clock, std::unique_ptr<HttpClient> http, RetryPolicy policy) {
  check_aws_launcher_settings(settings, "ecs");
  auto session =
      std::make_shared<ApiSession>(std::move(http), credentials, clock, policy, sigv4::Scope{settings.region, "ecs"},
                                   ecs_endpoint_of(settings), &ecs::parse_error);
  return std::make_unique<EcsLauncher>(settings, std::move(session));
}

}  // namespace txt2pdf
