// txt2pdf-dispatcher: long-polls SQS for S3 events and runs one txt2pdf-job per object.
// Configuration is the environment only (README, "txt2pdf-dispatcher").
#include <chrono>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/signals.hpp"
#include "txt2pdf/dispatch/backfill.hpp"
#include "txt2pdf/dispatch/dispatcher.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/net/health.hpp"

int main(int argc, char** argv, char** envp) {
  // The first signal ends receiving and starts the drain; a second one cuts the drain short.
  const txt2pdf::StopSource stop;
  const txt2pdf::StopSource cut_drain;
  txt2pdf::install_stop_handlers(stop, cut_drain);
  const auto env = txt2pdf::environment_from(envp);
  if (argc >= 2 && std::strcmp(argv[1], "healthcheck") == 0) {
    // ECS/Kubernetes health check: probe the running dispatcher, never start a second one.
    // Exit 0 or 1 only (the HEALTHCHECK contract): a malformed HEALTH_PORT is unhealthy, named.
    try {
      return txt2pdf::probe_healthz(txt2pdf::health_port_from(env), std::chrono::seconds(3)) ? 0 : 1;
    } catch (const txt2pdf::Error& error) {
      std::cerr << "txt2pdf-dispatcher healthcheck: " << error.what() << "\n";
      return 1;
    }
  }
  if (argc >= 2 && std::strcmp(argv[1], "backfill") == 0) {
    // The objects already in a bucket (README "Backfill").
    return txt2pdf::run_backfill_command(std::vector<std::string>(argv + 2, argv + argc), env, stop.token());
  }
  if (argc >= 2) {
    std::cerr << "usage: txt2pdf-dispatcher [healthcheck | backfill ...]   (configuration: environment, see README)\n";
    return txt2pdf::kExitConfig;
  }
  const txt2pdf::Logger log(txt2pdf::log_format_or_json(env));
  try {
    return txt2pdf::run_dispatcher_service(env, stop.token(), cut_drain.token());
  } catch (const txt2pdf::Error& error) {
    const int code = txt2pdf::exit_code_for(error);
    auto fields = txt2pdf::error_fields(error);
    fields["exit_code"] = code;
    log.error("dispatcher failed", fields);
    return code;
  } catch (...) {
    const int code = txt2pdf::exit_code_for(std::current_exception());
    log.error("dispatcher failed with an unexpected error", {{"exit_code", code}});
    return code;
  }
}
