// Wiring of txt2pdf-dispatcher: configuration → clients → launchers → health server → Dispatcher.
#include <memory>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/dispatch/batched_queue.hpp"
#include "txt2pdf/dispatch/console.hpp"
#include "txt2pdf/dispatch/dispatcher.hpp"
#include "txt2pdf/dispatch/launcher_worker.hpp"
#include "txt2pdf/dispatch/launchers_aws.hpp"
#include "txt2pdf/dispatch/launchers_local.hpp"
#include "txt2pdf/dispatch/routing.hpp"

namespace txt2pdf {
namespace {

CurlOptions stoppable_by(StopToken stop, CurlOptions options = {}) {
  options.stop = std::move(stop);
  return options;
}

// One thread's share of AWS access: its own connection and credentials chain (neither is
// thread-safe), signing through its own AwsClient.
struct AwsSession {
  // `options.stop` stops this session's transfers, also the credential fetches.
  AwsSession(const Environment& env, Clock& clock, const CurlOptions& options)
      : credentials_http(make_curl_http_client(stoppable_by(options.stop))),
        credentials(make_default_credentials_chain(env, *credentials_http, clock)),
        http(make_curl_http_client(options)),
        aws(*http, *credentials, clock) {}
  std::unique_ptr<HttpClient> credentials_http;
  std::unique_ptr<CredentialsProvider> credentials;
  std::unique_ptr<HttpClient> http;
  AwsClient aws;
};

struct Launchers {
  std::vector<std::unique_ptr<Launcher>> owned;
  std::map<std::string, Launcher*> by_name;
  void add(std::unique_ptr<Launcher> launcher) {
    by_name[launcher->name()] = launcher.get();
    owned.push_back(std::move(launcher));
  }
};

Launchers make_launchers(const DispatcherConfig& config, const Environment& env, CredentialsProvider& credentials,
                         Clock& clock, const CurlOptions& launcher_options) {
  Launchers launchers;
  if (config.launcher == "worker" || config.launcher == "auto") {
    WorkerPoolOptions pool{config.job_command, env, config.worker_max_jobs, config.worker_memory_bytes,
                           config.worker_crash_limit};
    launchers.add(std::make_unique<WorkerLauncher>(std::move(pool), credentials));
  }
  if (config.launcher == "local") launchers.add(std::make_unique<LocalLauncher>(config.job_command, env));
  if (config.launcher == "docker") {
    launchers.add(std::make_unique<DockerLauncher>(
        DockerOptions{config.docker_command, config.job_image, config.docker_args}, env));
  }
  // LAUNCHER=auto (routing.hpp) needs Batch for processor-type: pool, and ECS when it takes the
  // large objects (AUTO_LARGE_LAUNCHER=ecs) or is configured anyway.
  const bool auto_ecs =
      config.launcher == "auto" && (config.auto_large_launcher == "ecs" || !config.aws.task_definition.empty());
  check_aws_launcher_settings(config.aws, config.launcher == "auto" ? "batch" : config.launcher);
  if (auto_ecs) check_aws_launcher_settings(config.aws, "ecs");
  if (config.launcher == "batch" || config.launcher == "auto") {
    launchers.add(make_batch_launcher(config.aws, credentials, clock, make_curl_http_client(launcher_options)));
  }
  if (config.launcher == "ecs" || auto_ecs) {
    launchers.add(make_ecs_launcher(config.aws, credentials, clock, make_curl_http_client(launcher_options)));
  }
  return launchers;
}

// The receive count after which SQS moves a message to the DLQ by itself, without a reason: on that
// receive the dispatcher dead-letters a failing message itself, with the reason.
void read_max_receive_count(DispatcherConfig& config, sqs::SqsClient& sqs, const Logger& log) {
  try {
    const auto attributes = sqs.queue_attributes(config.queue_url, {"RedrivePolicy"});
    const auto found = attributes.find("RedrivePolicy");
    if (found != attributes.end()) config.max_receive_count = redrive_max_receive_count(found->second);
  } catch (const Error& error) {
    auto fields = error_fields(error);
    fields["queue_url"] = config.queue_url;
    log.warn("cannot read the queue's RedrivePolicy; failures on the last receive go there without a reason", fields);
  }
}

std::unique_ptr<HealthServer> make_health_server(const DispatcherConfig& config, const DispatcherMetrics& metrics) {
  return std::make_unique<HealthServer>(
      config.health_address, config.health_port, [&metrics, &config](std::string_view method, std::string_view path) {
        return answer_health_request(method, path, metrics, std::chrono::system_clock::now(), config.health_max_age);
      });
}

}  // namespace

int run_dispatcher_service(const Environment& env, const StopToken& stop, const StopToken& cut_drain) {
  auto config = parse_dispatcher_config(env);
  const Logger log(config.log_format);
  // The receiver stops at the first signal; everything the drain uses (control calls, launchers,
  // the dispatcher's own clock) only at the second.
  SystemClock receive_clock(stop);
  SystemClock clock(cut_drain);
  DispatcherMetrics metrics;

  CurlOptions receive_options = stoppable_by(stop);
  // The long poll is silent for up to WaitTimeSeconds: the low-speed rule must not fire first.
  receive_options.low_speed_time = config.wait_time + std::chrono::seconds(20);
  AwsSession receiver(env, receive_clock, receive_options);
  // Control calls run on the dispatching thread: each attempt has a total deadline.
  CurlOptions control_options = stoppable_by(cut_drain);
  control_options.default_timeout = config.control_timeout;
  AwsSession control(env, clock, control_options);
  sqs::SqsClient receive_sqs(receiver.aws, config.sqs_endpoint, config.region);
  sqs::SqsClient control_sqs(control.aws, config.sqs_endpoint, config.region);
  SqsMessageQueue receive_queue(receive_sqs, config.queue_url, config.dlq_url);
  SqsMessageQueue immediate_control_queue(control_sqs, config.queue_url, config.dlq_url);
  BatchedSqsQueue batched_control_queue(control_sqs, config.queue_url, config.dlq_url, log, metrics);
  MessageQueue& control_queue =
      config.sqs_batch ? static_cast<MessageQueue&>(batched_control_queue) : immediate_control_queue;
  S3Client s3(control.aws, config.s3);
  HeadObject head = [&s3](const std::string& bucket, const std::string& key) -> std::optional<ObjectHead> {
    auto info = s3.head_object(bucket, key);
    if (!info) return std::nullopt;
    return ObjectHead{info->etag, info->metadata, info->size};
  };
  RouteObject route_object = nullptr;
  if (config.launcher == "auto") {
    route_object = [rule = RoutingRule{config.inprocess_max_bytes, "worker", config.auto_large_launcher}](
                       const ObjectHead& source) { return route_by_size(rule, source); };
  }

  AwsSession launcher_session(env, clock, control_options);
  auto launchers = make_launchers(config, env, *launcher_session.credentials, clock, control_options);

  if (!config.dlq_url.empty()) read_max_receive_count(config, control_sqs, log);
  std::unique_ptr<HealthServer> health;
  if (config.health_port != 0) health = make_health_server(config, metrics);
  std::unique_ptr<ConsoleService> console;
  if (config.console.enabled) console = std::make_unique<ConsoleService>(config, env, clock);
  if (console) log.info("console listening", {{"address", config.console.address}, {"port", console->port()}});
  log.info("dispatcher started", {{"queue_url", config.queue_url},
                                  {"dest_bucket", config.dest_bucket},
                                  {"launcher", config.launcher},
                                  {"max_concurrency", config.max_concurrency},
                                  {"sqs_batch", config.sqs_batch},
                                  {"health_port", health ? health->port() : 0},
                                  {"dlq", !config.dlq_url.empty()}});

  Dispatcher dispatcher(
      config, DispatcherDeps{receive_queue, control_queue, head, launchers.by_name, route_launcher, clock, log, metrics,
                             route_object, stop, cut_drain, console ? &console->observer() : nullptr});
  const int code = dispatcher.run();
  log.info("dispatcher stopped", {{"exit_code", code}});
  return code;
}

}  // namespace txt2pdf
