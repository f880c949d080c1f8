// txt2pdf-dispatcher: long-polls SQS for S3 events and runs one txt2pdf-job per object.
// Configuration is the environment only (README, "txt2pdf-dispatcher").
#include <exception>

#include "txt2pdf/dispatcher.hpp"
#include "txt2pdf/environment.hpp"
#include "txt2pdf/exit_codes.hpp"
#include "txt2pdf/log.hpp"
#include "txt2pdf/signals.hpp"

int main(int /*argc*/, char** /*argv*/, char** envp) {
  txt2pdf::install_stop_handlers();
  const auto env = txt2pdf::environment_from(envp);
  const txt2pdf::Logger log(txt2pdf::lookup(env, "TXT2PDF_LOG_FORMAT") == std::optional<std::string>("human")
                                ? txt2pdf::LogFormat::kHuman
                                : txt2pdf::LogFormat::kJson);
  try {
    return txt2pdf::run_dispatcher_service(env);
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
