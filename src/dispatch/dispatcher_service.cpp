// Wiring of txt2pdf-dispatcher: configuration → clients → launchers → health server → Dispatcher.
#include <memory>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/dispatch/dispatcher.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/dispatch/launchers_aws.hpp"
#include "txt2pdf/dispatch/launchers_local.hpp"
#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/dispatch/console.hpp"

namespace txt2pdf {
namespace {

// One thread's share of AWS access: its own connection and credentials chain (neither is
// thread-safe), signing through its own AwsClient.
struct AwsSession {
  AwsSession(const Environment& env, Clock& clock, CurlOptions options)
      : credentials_http(make_curl_http_client()),
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
                         Clock& clock) {
  Launchers launchers;
  if (config.launcher == "local") launchers.add(std::make_unique<LocalLauncher>(config.job_command, env));
  if (config.launcher == "docker") {
    launchers.add(std::make_unique<DockerLauncher>(
        DockerOptions{config.docker_command, config.job_image, config.docker_args}, env));
  }
  check_aws_launcher_settings(config.aws, config.launcher);
  if (config.launcher == "batch" || config.launcher == "auto") {
    launchers.add(make_batch_launcher(config.aws, credentials, clock));
  }
  if (config.launcher == "ecs" || config.launcher == "auto") {
    launchers.add(make_ecs_launcher(config.aws, credentials, clock));
  }
  return launchers;
}

}  // namespace

int run_dispatcher_service(const Environment& env) {
  const auto config = parse_dispatcher_config(env);
  const Logger log(config.log_format);
  SystemClock clock;
  DispatcherMetrics metrics;

  CurlOptions receive_options;
  // The long poll is silent for up to WaitTimeSeconds: the low-speed rule must not fire first.
  receive_options.low_speed_time = config.wait_time + std::chrono::seconds(20);
  AwsSession receiver(env, clock, receive_options);
  AwsSession control(env, clock, CurlOptions{});
  sqs::SqsClient receive_sqs(receiver.aws, config.sqs_endpoint, config.region);
  sqs::SqsClient control_sqs(control.aws, config.sqs_endpoint, config.region);
  SqsMessageQueue receive_queue(receive_sqs, config.queue_url, config.dlq_url);
  SqsMessageQueue control_queue(control_sqs, config.queue_url, config.dlq_url);
  S3Client s3(control.aws, config.s3);
  HeadObject head = [&s3](const std::string& bucket, const std::string& key) -> std::optional<ObjectHead> {
    auto info = s3.head_object(bucket, key);
    if (!info) return std::nullopt;
    return ObjectHead{info->etag, info->metadata};
  };

  AwsSession launcher_session(env, clock, CurlOptions{});
  auto launchers = make_launchers(config, env, *launcher_session.credentials, clock);

  std::unique_ptr<HealthServer> health;
  if (config.health_port != 0) {
    health = std::make_unique<HealthServer>(config.health_address, config.health_port,
                                            [&metrics, &config](std::string_view method, std::string_view path) {
                                              return answer_health_request(method, path, metrics,
                                                                           std::chrono::system_clock::now(),
                                                                           config.health_max_age);
                                            });
  }
  std::unique_ptr<ConsoleService> console;
  if (config.console.enabled) console = std::make_unique<ConsoleService>(config, env, clock);
  if (console) log.info("console listening", {{"address", config.console.address}, {"port", console->port()}});
  log.info("dispatcher started", {{"queue_url", config.queue_url},
                                  {"dest_bucket", config.dest_bucket},
                                  {"launcher", config.launcher},
                                  {"max_concurrency", config.max_concurrency},
                                  {"health_port", health ? health->port() : 0},
                                  {"dlq", !config.dlq_url.empty()}});

  Dispatcher dispatcher(config, DispatcherDeps{receive_queue, control_queue, head, launchers.by_name,
                                               route_launcher, clock, log, metrics,
                                               console ? &console->observer() : nullptr});
  const int code = dispatcher.run();
  log.info("dispatcher stopped", {{"exit_code", code}});
  return code;
}

}  // namespace txt2pdf
