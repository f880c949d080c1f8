// Test driver: starts one job through the Batch or ECS launcher, polls it to the end and prints
// one JSON line with the outcome or the error (kind, AWS code, HTTP status). Settings, credentials
// and endpoints come from the environment exactly as the dispatcher reads them.
//
//   aws_launchers_driver batch|ecs SOURCE_BUCKET OBJECT_KEY DEST_BUCKET [DEST_KEY]
//   DRIVER_STOP_AFTER_MS: call request_stop() that long after the start (default: never)
//   DRIVER_TIMEOUT_SECONDS: give up polling after this long (default 60; exit 3)
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/dispatch/launchers_aws.hpp"

namespace {

nlohmann::json describe(const txt2pdf::Error& error) {
  return {{"kind", txt2pdf::to_string(error.kind())},
          {"code", error.aws_code()},
          {"status", error.http_status()},
          {"message", error.what()}};
}

long number_or(const txt2pdf::Environment& env, const char* name, long fallback) {
  const auto text = txt2pdf::lookup(env, name);
  return text ? std::stol(*text) : fallback;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  using namespace txt2pdf;
  if (argc < 5 || argc > 6) {
    std::cerr << "usage: aws_launchers_driver batch|ecs SOURCE_BUCKET OBJECT_KEY DEST_BUCKET [DEST_KEY]\n";
    return 2;
  }
  const std::string which = argv[1];
  const JobSpec spec{argv[2], argv[3], argv[4], argc == 6 ? argv[5] : ""};
  const Environment env = environment_from(envp);
  nlohmann::json result = {{"launcher", which}};
  try {
    SystemClock clock;
    auto credentials_http = make_curl_http_client();
    auto credentials = make_default_credentials_chain(env, *credentials_http, clock);
    const auto settings = parse_aws_launcher_settings(env);
    auto launcher = which == "batch" ? make_batch_launcher(settings, *credentials, clock)
                                     : make_ecs_launcher(settings, *credentials, clock);
    result["phase"] = "start";
    const auto started = std::chrono::steady_clock::now();
    auto job = launcher->start(spec);
    result["job_id"] = job->id();
    result["phase"] = "poll";
    const long stop_after_ms = number_or(env, "DRIVER_STOP_AFTER_MS", -1);
    const auto deadline = started + std::chrono::seconds(number_or(env, "DRIVER_TIMEOUT_SECONDS", 60));
    bool stop_sent = false;
    int polls = 0;
    while (true) {
      ++polls;
      if (const auto outcome = job->poll()) {
        result["exit_code"] = outcome->exit_code;
        result["detail"] = outcome->detail;
        result["outcome_job_id"] = outcome->job_id;
        break;
      }
      const auto now = std::chrono::steady_clock::now();
      if (!stop_sent && stop_after_ms >= 0 && now - started >= std::chrono::milliseconds(stop_after_ms)) {
        job->request_stop();
        stop_sent = true;
        result["stop_sent"] = true;
      }
      if (now > deadline) {
        result["timeout"] = true;
        std::cout << result.dump() << std::endl;
        return 3;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    result["polls"] = polls;
    result.erase("phase");
  } catch (const Error& error) {
    result["error"] = describe(error);
  }
  std::cout << result.dump() << std::endl;
  return 0;
}
