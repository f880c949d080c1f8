#include "txt2pdf/dispatch/dispatcher_config.hpp"

#include "txt2pdf/core/env_values.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/job/config.hpp"

namespace txt2pdf {
namespace {

std::string get_or(const Environment& env, std::string_view name, std::string fallback) {
  auto value = lookup(env, name);
  return value ? *value : std::move(fallback);
}

std::string require(const Environment& env, std::string_view name) {
  auto value = lookup(env, name);
  if (!value) throw Error(ErrorKind::kConfig, std::string(name) + " is required but not set");
  return *value;
}

long parse_integer(const Environment& env, std::string_view name, long fallback, long min, long max) {
  return static_cast<long>(env_integer(env, name, fallback, min, max));
}

std::chrono::seconds parse_seconds(const Environment& env, std::string_view name, std::chrono::seconds fallback,
                                   long min, long max) {
  return env_duration(env, name, fallback, std::chrono::seconds(min), std::chrono::seconds(max));
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  for (const char c : text) {
    if (c == separator || (separator == ' ' && c == '\t')) {
      if (!current.empty()) parts.push_back(std::move(current));
      current.clear();
    } else if (!(separator == ',' && c == ' ')) {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

std::string region_of(const Environment& env) {
  if (auto region = lookup(env, "AWS_REGION")) return *region;
  return get_or(env, "AWS_DEFAULT_REGION", "us-east-1");
}

// The SDKs' precedence, validated as the job validates it: the service's own variable, else the
// global one, else empty (the AWS default endpoint).
std::string endpoint_for(const Environment& env, std::string_view specific) {
  if (auto url = env_url(env, specific)) return *url;
  return env_url(env, "AWS_ENDPOINT_URL").value_or("");
}

// The worker pool, LAUNCHER=auto's size rule and SQS batching.
void parse_volume_settings(const Environment& env, DispatcherConfig& config) {
  config.worker_max_jobs = static_cast<int>(parse_integer(env, "WORKER_MAX_JOBS", config.worker_max_jobs, 1, 1000000));
  if (const auto text = lookup(env, "WORKER_MEMORY_BYTES")) {
    config.worker_memory_bytes = parse_byte_size("WORKER_MEMORY_BYTES", *text);
  }
  config.worker_crash_limit =
      static_cast<int>(parse_integer(env, "WORKER_CRASH_LIMIT", config.worker_crash_limit, 1, 100));
  if (const auto text = lookup(env, "INPROCESS_MAX_BYTES")) {
    config.inprocess_max_bytes = parse_byte_size("INPROCESS_MAX_BYTES", *text);
  }
  config.auto_large_launcher = get_or(env, "AUTO_LARGE_LAUNCHER", config.auto_large_launcher);
  if (config.auto_large_launcher != "batch" && config.auto_large_launcher != "ecs") {
    throw Error(ErrorKind::kConfig, "AUTO_LARGE_LAUNCHER=\"" + config.auto_large_launcher + "\" is not batch or ecs");
  }
  config.sqs_batch = env_bool(env, "SQS_BATCH", config.sqs_batch);
}

}  // namespace

std::string endpoint_of_queue_url(const std::string& variable, const std::string& queue_url) {
  const auto scheme_end = queue_url.find("://");
  if (scheme_end == std::string::npos || scheme_end == 0) {
    throw Error(ErrorKind::kConfig, variable + "=\"" + queue_url + "\" is not an http(s) URL");
  }
  const auto path_start = queue_url.find('/', scheme_end + 3);
  if (path_start == scheme_end + 3) throw Error(ErrorKind::kConfig, variable + "=\"" + queue_url + "\" has no host");
  return queue_url.substr(0, path_start);
}

int health_port_from(const Environment& env) {
  return static_cast<int>(parse_integer(env, "HEALTH_PORT", DispatcherConfig{}.health_port, 0, 65535));
}

AwsLauncherSettings parse_aws_launcher_settings(const Environment& env) {
  AwsLauncherSettings settings;
  settings.region = region_of(env);
  settings.batch_endpoint = endpoint_for(env, "AWS_ENDPOINT_URL_BATCH");
  settings.ecs_endpoint = endpoint_for(env, "AWS_ENDPOINT_URL_ECS");
  settings.job_queue = get_or(env, "JOB_QUEUE", "");
  settings.job_definition = get_or(env, "JOB_DEFINITION", "");
  settings.ecs_cluster = get_or(env, "ECS_CLUSTER", "");
  settings.task_definition = get_or(env, "TASK_DEFINITION", "");
  settings.container_name = get_or(env, "CONTAINER_NAME", "");
  settings.subnets = split(get_or(env, "SUBNETS", ""), ',');
  settings.security_groups = split(get_or(env, "SECURITY_GROUPS", ""), ',');
  settings.assign_public_ip = env_bool(env, "ASSIGN_PUBLIC_IP", false);
  settings.poll_interval = parse_seconds(env, "JOB_POLL_SECONDS", settings.poll_interval, 1, 3600);
  return settings;
}

DispatcherConfig parse_dispatcher_config(const Environment& env) {
  DispatcherConfig config;
  config.queue_url = require(env, "QUEUE_URL");
  config.dest_bucket = require(env, "DEST_BUCKET");
  config.dest_prefix = get_or(env, "DEST_PREFIX", "");
  config.dlq_url = get_or(env, "DLQ_URL", "");
  config.launcher = get_or(env, "LAUNCHER", config.launcher);
  if (config.launcher != "worker" && config.launcher != "local" && config.launcher != "docker" &&
      config.launcher != "batch" && config.launcher != "ecs" && config.launcher != "auto") {
    throw Error(ErrorKind::kConfig,
                "LAUNCHER=\"" + config.launcher + "\" is not one of worker, local, docker, batch, ecs, auto");
  }
  config.job_command = split(get_or(env, "JOB_COMMAND", ""), ' ');
  config.docker_command = get_or(env, "DOCKER_COMMAND", "docker");
  config.job_image = get_or(env, "JOB_IMAGE", "");
  config.docker_args = split(get_or(env, "DOCKER_ARGS", ""), ' ');
  if (config.launcher == "docker" && config.job_image.empty()) {
    throw Error(ErrorKind::kConfig, "JOB_IMAGE is required when LAUNCHER=docker");
  }
  config.max_concurrency = static_cast<int>(parse_integer(env, "MAX_CONCURRENCY", config.max_concurrency, 1, 256));
  config.health_port = health_port_from(env);
  config.health_address = get_or(env, "HEALTH_ADDRESS", config.health_address);
  config.wait_time = parse_seconds(env, "WAIT_TIME_SECONDS", config.wait_time, 0, 20);
  config.visibility_timeout = parse_seconds(env, "VISIBILITY_TIMEOUT_SECONDS", config.visibility_timeout, 10, 43200);
  config.drain_timeout = parse_seconds(env, "DRAIN_TIMEOUT_SECONDS", config.drain_timeout, 0, 3600);
  config.health_max_age = parse_seconds(env, "HEALTH_MAX_AGE_SECONDS", config.health_max_age, 1, 86400);
  if (config.health_max_age <= config.wait_time) {
    throw Error(ErrorKind::kConfig,
                "HEALTH_MAX_AGE_SECONDS must exceed WAIT_TIME_SECONDS (a long poll is not a stall)");
  }
  config.retry_base_delay = parse_seconds(env, "RETRY_BASE_SECONDS", config.retry_base_delay, 0, 43200);
  config.job_timeout = parse_seconds(env, "JOB_TIMEOUT_SECONDS", config.job_timeout, 0, 604800);
  config.control_timeout = parse_seconds(env, "CONTROL_TIMEOUT_SECONDS", config.control_timeout, 1, 600);
  config.key_prefix = get_or(env, "KEY_PREFIX", "");
  config.key_suffix = get_or(env, "KEY_SUFFIX", "");
  config.region = region_of(env);
  config.sqs_endpoint = endpoint_for(env, "AWS_ENDPOINT_URL_SQS");
  if (config.sqs_endpoint.empty()) config.sqs_endpoint = endpoint_of_queue_url("QUEUE_URL", config.queue_url);
  config.log_format = log_format_from(env);
  config.s3.region = config.region;
  config.s3.endpoint_url = endpoint_for(env, "AWS_ENDPOINT_URL_S3");
  config.s3.force_path_style = env_bool(env, "TXT2PDF_S3_FORCE_PATH_STYLE", false);
  config.aws = parse_aws_launcher_settings(env);
  parse_volume_settings(env, config);
  config.console.enabled = env_bool(env, "CONSOLE", false);
  config.console.address = get_or(env, "CONSOLE_ADDRESS", config.console.address);
  config.console.port = static_cast<int>(parse_integer(env, "CONSOLE_PORT", config.console.port, 0, 65535));
  config.console.token = get_or(env, "CONSOLE_TOKEN", "");
  config.console.upload_bucket = get_or(env, "CONSOLE_UPLOAD_BUCKET", "");
  config.console.upload_prefix = get_or(env, "CONSOLE_UPLOAD_PREFIX", config.key_prefix);
  if (auto max = lookup(env, "MAX_INPUT_BYTES"))
    config.console.max_upload_bytes = parse_byte_size("MAX_INPUT_BYTES", *max);
  config.console.link_expiry = parse_seconds(env, "CONSOLE_LINK_SECONDS", config.console.link_expiry, 1, 604800);
  return config;
}

}  // namespace txt2pdf
