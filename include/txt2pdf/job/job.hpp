// txt2pdf-job's work, source object to verified PDF:
//   HEAD source -> (HEAD destination: already converted from this ETag? done) -> GET into a
//   temporary file -> render -> PUT with Content-MD5 and source-etag metadata -> HEAD verify.
// Each step throws txt2pdf::Error; run_job_command() is the one place that logs the outcome and
// maps it to an exit code.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/job/config.hpp"
#include "txt2pdf/net/http.hpp"
#include "txt2pdf/render/render_options.hpp"

namespace txt2pdf {

struct JobReport {
  bool skipped = false;  // the destination already held a verified PDF of this source ETag
  std::uint64_t source_bytes = 0;
  std::uint64_t pdf_bytes = 0;
  std::uint64_t pages = 0;
  std::string source_etag;
  double get_ms = 0, render_ms = 0, put_ms = 0, head_ms = 0;
};

// Metadata names (without "x-amz-meta-") the job writes on every PDF.
inline constexpr const char* kSourceEtagMetadata = "source-etag";
inline constexpr const char* kSourceKeyMetadata = "source-key";
inline constexpr const char* kConverterMetadata = "converter";
inline constexpr const char* kPagesMetadata = "pages";  // page count, shown by the console

// Does the work. `options` holds defaults and environment settings; the source object's
// x-amz-meta-txt2pdf-* metadata is applied on top. `temp_dir` receives the temporary files.
[[nodiscard]] JobReport run_job(const JobConfig& config, const RenderOptions& options, S3Client& s3, const Logger& log,
                                const std::string& temp_dir);

// The outcome of convert_object(): the exit code txt2pdf-job would exit with, and what it did.
struct JobResult {
  int exit_code = 0;           // the README's exit-code table (0 = written and verified, or skipped)
  JobReport report;            // filled on success; on exit 0 the PDF's HEAD matched length and source-etag
  std::string error_kind;      // on failure: error_fields()' "error_kind" (e.g. "bad-input", "transient")
  std::string message;         // on failure: the error's message
  bool out_of_memory = false;  // the failure was std::bad_alloc (65): the heap is not to be trusted
};

// One object, end to end, on clients the caller keeps between objects (the dispatcher's worker
// processes, a manifest child): run_job() with the final "done"/"failed" log record and the
// error -> exit-code mapping of txt2pdf-job. `s3` may be reused for the next object (kept-alive
// connections, cached bucket regions). Never throws: every failure is in the result.
[[nodiscard]] JobResult convert_object(const JobConfig& config, const RenderOptions& options, S3Client& s3,
                                       const Logger& log, const std::string& temp_dir);

// The clients a job process keeps for its life, made from its configuration: a curl HTTP client
// with the job's timeouts and stop token, the AWS client with its retry policy, the S3 client.
// Members point at each other (the struct may be moved, never copied); `clock` must outlive them.
struct JobClients {
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<HttpClient> metadata_http;         // the credential chain's (STS, ECS, IMDS); null if relayed
  std::unique_ptr<CredentialsProvider> credentials;  // the default chain of `env`; null if relayed
  std::unique_ptr<AwsClient> aws;
  std::unique_ptr<S3Client> s3;
};

// `relayed`: credentials the caller keeps (the dispatcher's worker gets them with each request);
// null for the default credentials chain of `env`.
[[nodiscard]] JobClients make_job_clients(const JobConfig& config, const Environment& env, Clock& clock,
                                          const StopToken& stop, CredentialsProvider* relayed = nullptr);

// The log context of one job: source_bucket, key, dest_bucket, dest_key.
[[nodiscard]] nlohmann::json job_context(const JobConfig& config);

// The whole job as main runs it: configuration, clients, run_job, logging, exit code. `stop`
// (a signal) aborts the S3 transfers and retry waits: the job then fails with Error(kCancelled).
[[nodiscard]] int run_job_command(const Environment& env, const StopToken& stop = {});

}  // namespace txt2pdf
