// Test driver: runs the whole job (txt2pdf-job's run_job, configuration from the environment as the
// job reads it) with a clock DRIVER_CLOCK_OFFSET_SECONDS away from the real one, so that every
// request (the first is a HEAD) is signed with a wrong time. Prints one JSON line: the exit code,
// the error if any, and the skew the AWS client learnt from the server's Date header.
//
//   DRIVER_CLOCK_OFFSET_SECONDS=3600 clock_skew_driver
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/job/config.hpp"
#include "txt2pdf/job/job.hpp"

namespace {

class OffsetClock final : public txt2pdf::Clock {
 public:
  explicit OffsetClock(std::chrono::seconds offset) : offset_(offset) {}
  [[nodiscard]] std::chrono::system_clock::time_point now() const override { return real_.now() + offset_; }
  bool sleep_for(std::chrono::milliseconds duration) override { return real_.sleep_for(duration); }

 private:
  txt2pdf::SystemClock real_;
  std::chrono::seconds offset_;
};

}  // namespace

int main(int, char**, char** envp) {
  using namespace txt2pdf;
  const Environment env = environment_from(envp);
  const auto offset = std::chrono::seconds(std::atol(lookup(env, "DRIVER_CLOCK_OFFSET_SECONDS").value_or("0").c_str()));
  nlohmann::json result = {{"offset_s", offset.count()}};
  OffsetClock clock(offset);
  auto http = make_curl_http_client();
  auto credentials_http = make_curl_http_client();
  std::unique_ptr<CredentialsProvider> credentials;
  std::unique_ptr<AwsClient> aws;
  try {
    const auto config = parse_job_config(env);
    credentials = make_default_credentials_chain(env, *credentials_http, clock);
    aws = std::make_unique<AwsClient>(*http, *credentials, clock);
    S3Client s3(*aws, config.s3);
    const Logger log(LogFormat::kJson);
    const auto report = run_job(config, RenderOptions{}, s3, log, lookup(env, "TMPDIR").value_or("/tmp"));
    result["exit_code"] = kExitOk;
    result["pages"] = report.pages;
  } catch (const Error& error) {
    result["exit_code"] = exit_code_for(error);
    result["error"] = error.what();
    result["aws_code"] = error.aws_code();
    result["http_status"] = error.http_status();
  }
  result["learnt_skew_s"] = aws ? aws->clock_skew().count() : 0;
  std::cout << result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  return 0;
}
