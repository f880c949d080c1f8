#include "txt2pdf/job/job.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/sigv4.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/core/temp_file.hpp"
#include "txt2pdf/net/http.hpp"
#include "txt2pdf/render/render.hpp"

#ifndef TXT2PDF_VERSION
#define TXT2PDF_VERSION "dev"
#endif

namespace txt2pdf {
namespace {

using SteadyClock = std::chrono::steady_clock;

double elapsed_ms(SteadyClock::time_point since) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - since).count();
}

std::string s3_url(const std::string& bucket, const std::string& key) { return "s3://" + bucket + "/" + key; }

// The rendered PDF, opened for the upload: it is streamed from the file, never held in memory
// (a 100,000-page PDF is over 100 MB, and each copy of it counted against the container).
class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0)
      throw Error(ErrorKind::kInternal, "cannot read back the rendered PDF " + path + ": " + std::strerror(errno));
  }
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
  ~ReadOnlyFile() { ::close(fd_); }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_;
};

std::string metadata_value(const ObjectInfo& info, const char* name) {
  const auto found = info.metadata.find(name);
  return found == info.metadata.end() ? std::string() : found->second;
}

// The PDF at the destination is ours, complete, and made from this source version.
void verify_destination(const ObjectInfo& dest, std::uint64_t expected_bytes, const std::string& source_etag,
                        const std::string& where) {
  const auto etag = metadata_value(dest, kSourceEtagMetadata);
  if (dest.size != expected_bytes || !same_etag(etag, source_etag)) {
    throw Error(ErrorKind::kVerifyMismatch, "verification of " + where + " failed: Content-Length " +
                                                std::to_string(dest.size) + " (sent " + std::to_string(expected_bytes) +
                                                "), source-etag \"" + etag + "\" (expected \"" + source_etag + "\")");
  }
}

// HEAD of the source: it must exist and be no larger than MAX_INPUT_BYTES.
ObjectInfo head_source(const JobConfig& config, S3Client& s3, const std::string& source_url) {
  auto source = s3.head_object(config.source_bucket, config.object_key);
  if (!source)
    throw Error(ErrorKind::kNotFound, "source object " + source_url + " does not exist (or its bucket does not)");
  if (source->size > config.max_input_bytes) {
    throw Error(ErrorKind::kBadInput,
                "source object " + source_url + " is " + std::to_string(source->size) +
                    " bytes, more than MAX_INPUT_BYTES=" + std::to_string(config.max_input_bytes));
  }
  return *source;
}

RenderOptions options_for(const JobConfig& config, const RenderOptions& base_options, const ObjectInfo& source) {
  RenderOptions options = base_options;
  apply_object_metadata(options, source.metadata);
  options.max_pages = config.max_pages;
  if (options.title.empty()) options.title = config.object_key;
  if (options.header_text.empty()) options.header_text = config.object_key;
  return options;
}

// Idempotency: a PDF already made from this very source version (the HEAD just read its
// source-etag) is not rendered again. True (and `report` filled) when the job is skipped.
bool already_converted(const JobConfig& config, const ObjectInfo& source, S3Client& s3, const Logger& log,
                       JobReport& report) {
  const auto existing = s3.head_object(config.dest_bucket, config.dest_key);
  if (!existing || !same_etag(metadata_value(*existing, kSourceEtagMetadata), source.etag)) return false;
  report.skipped = true;
  report.pdf_bytes = existing->size;
  log.info("destination already converted from this source version; skipped", {{"phase", "skip"},
                                                                               {"dest_bucket", config.dest_bucket},
                                                                               {"dest_key", config.dest_key},
                                                                               {"source_etag", source.etag}});
  return true;
}

// GET of this source version into `input`, bounded by MAX_INPUT_BYTES; returns the bytes received.
std::uint64_t download(const JobConfig& config, const ObjectInfo& source, S3Client& s3, const TempFile& input,
                       const std::string& source_url) {
  std::uint64_t received = 0;
  s3.get_object(
      config.source_bucket, config.object_key,
      [&](std::string_view chunk) {
        received += chunk.size();
        if (received > config.max_input_bytes) {
          throw Error(ErrorKind::kBadInput, "source object " + source_url + " grew past MAX_INPUT_BYTES=" +
                                                std::to_string(config.max_input_bytes) + " while downloading");
        }
        write_all(input.fd(), chunk, input.path());
      },
      source.etag);
  return received;
}

PutObjectResult upload(const JobConfig& config, const ObjectInfo& source, S3Client& s3, const ReadOnlyFile& body,
                       std::uint64_t pages) {
  PutObjectRequest put;
  put.bucket = config.dest_bucket;
  put.key = config.dest_key;
  put.body_fd = body.fd();
  put.content_type = "application/pdf";
  put.sse = config.sse;
  put.kms_key_id = config.kms_key_id;
  put.metadata = {{kSourceEtagMetadata, source.etag},
                  // Header values must be ASCII: other bytes of the key are percent-encoded.
                  {kSourceKeyMetadata, encode_metadata_value(config.object_key)},
                  {kConverterMetadata, std::string("txt2pdf-job/") + TXT2PDF_VERSION},
                  {kPagesMetadata, std::to_string(pages)}};
  return s3.put_object(put);
}

}  // namespace

JobReport run_job(const JobConfig& config, const RenderOptions& base_options, S3Client& s3, const Logger& log,
                  const std::string& temp_dir) {
  JobReport report;
  const auto source_url = s3_url(config.source_bucket, config.object_key);
  const auto dest_url = s3_url(config.dest_bucket, config.dest_key);

  auto started = SteadyClock::now();
  const auto source = head_source(config, s3, source_url);
  report.source_etag = source.etag;
  report.source_bytes = source.size;
  const auto options = options_for(config, base_options, source);
  const bool skipped = already_converted(config, source, s3, log, report);
  report.head_ms = elapsed_ms(started);
  if (skipped) return report;

  started = SteadyClock::now();
  TempFile input(temp_dir, "txt2pdf-", ".txt");
  const auto received = download(config, source, s3, input, source_url);
  report.get_ms = elapsed_ms(started);
  log.info("downloaded", {{"phase", "get"}, {"bytes", received}, {"ms", report.get_ms}});

  started = SteadyClock::now();
  if (::lseek(input.fd(), 0, SEEK_SET) != 0) throw Error(ErrorKind::kInternal, "cannot rewind " + input.path());
  TempFile pdf(temp_dir, "txt2pdf-", ".pdf");
  const auto stats = render_pdf(input.fd(), pdf.path(), options);
  const ReadOnlyFile body(pdf.path());
  report.render_ms = elapsed_ms(started);
  report.pages = static_cast<std::uint64_t>(stats.pages);
  auto render_fields = stats_fields(stats);
  render_fields.update({{"phase", "render"}, {"ms", report.render_ms}});
  if (stats.encoding_low_confidence) log.warn("input encoding is a low-confidence guess", render_fields);
  log.info("rendered", render_fields);

  started = SteadyClock::now();
  const auto put_result = upload(config, source, s3, body, report.pages);
  report.put_ms = elapsed_ms(started);
  report.pdf_bytes = stats.output_bytes;
  log.info(
      "uploaded",
      {{"phase", "put"}, {"bytes", stats.output_bytes}, {"request_id", put_result.request_id}, {"ms", report.put_ms}});

  started = SteadyClock::now();
  const auto uploaded = s3.head_object(config.dest_bucket, config.dest_key);
  if (!uploaded)
    throw Error(ErrorKind::kVerifyMismatch, "verification of " + dest_url + " failed: HEAD found no object");
  verify_destination(*uploaded, stats.output_bytes, source.etag, dest_url);
  report.head_ms += elapsed_ms(started);
  return report;
}

JobClients make_job_clients(const JobConfig& config, const Environment& env, Clock& clock, const StopToken& stop,
                            CredentialsProvider* relayed) {
  CurlOptions curl;
  curl.stop = stop;
  curl.connect_timeout = config.connect_timeout;
  curl.low_speed_time = config.low_speed_timeout;
  JobClients clients;
  // One connection for all the job's requests: curl keeps it alive between them.
  clients.http = make_curl_http_client(curl);
  if (relayed == nullptr) {
    clients.metadata_http = make_curl_http_client(curl);
    clients.credentials = make_default_credentials_chain(env, *clients.metadata_http, clock);
    relayed = clients.credentials.get();
  }
  RetryPolicy retry;
  retry.max_attempts = config.max_attempts;
  clients.aws = std::make_unique<AwsClient>(*clients.http, *relayed, clock, retry);
  clients.s3 = std::make_unique<S3Client>(*clients.aws, config.s3);
  return clients;
}

JobResult convert_object(const JobConfig& config, const RenderOptions& options, S3Client& s3, const Logger& log,
                         const std::string& temp_dir) {
  JobResult result;
  const auto started = SteadyClock::now();
  auto fields = job_context(config);
  try {
    result.report = run_job(config, options, s3, log, temp_dir);
    const auto& report = result.report;
    fields.update({{"phase", "done"},
                   {"skipped", report.skipped},
                   {"bytes", report.source_bytes},
                   {"pdf_bytes", report.pdf_bytes},
                   {"pages", report.pages},
                   {"source_etag", report.source_etag},
                   {"get_ms", report.get_ms},
                   {"render_ms", report.render_ms},
                   {"put_ms", report.put_ms},
                   {"head_ms", report.head_ms},
                   {"total_ms", elapsed_ms(started)},
                   {"exit_code", kExitOk}});
    log.info(report.skipped ? "already converted" : "converted", fields);
    result.exit_code = kExitOk;
  } catch (const Error& error) {
    result.exit_code = exit_code_for(error);
    result.error_kind = error_fields(error).value("error_kind", "");
    result.message = error.what();
    fields.update(error_fields(error));
    fields["exit_code"] = result.exit_code;
    fields["phase"] = "failed";
    log.error(error.what(), fields);
  } catch (const std::exception&) {
    // std::bad_alloc (65) and anything else (70), by the one mapping in exit_codes.
    const auto error = error_from(std::current_exception());
    result.exit_code = exit_code_for(error);
    result.error_kind = error_fields(error).value("error_kind", "");
    result.message = error.what();
    result.out_of_memory = error.what() == std::string_view(kOutOfMemoryMessage);
    fields.update(error_fields(error));
    fields.update({{"phase", "failed"}, {"exit_code", result.exit_code}});
    log.error(error.what(), fields);
  }
  return result;
}

nlohmann::json job_context(const JobConfig& config) {
  return {{"source_bucket", config.source_bucket},
          {"key", config.object_key},
          {"dest_bucket", config.dest_bucket},
          {"dest_key", config.dest_key}};
}

int run_job_command(const Environment& env, const StopToken& stop) {
  Logger log(log_format_or_json(env));
  try {
    const auto config = parse_job_config(env);
    SystemClock clock(stop);
    RenderOptions options;
    set_render_time(options, clock.now());
    apply_environment(options, env);

    const auto clients = make_job_clients(config, env, clock, stop);
    return convert_object(config, options, *clients.s3, log, config.temp_dir).exit_code;
  } catch (const Error& error) {
    // Configuration and client set-up failures (before any object is touched).
    auto fields = error_fields(error);
    fields["exit_code"] = exit_code_for(error);
    fields["phase"] = "failed";
    log.error(error.what(), fields);
    return exit_code_for(error);
  } catch (const std::exception&) {
    // std::bad_alloc (65) and anything else (70), by the one mapping in exit_codes.
    const auto error = error_from(std::current_exception());
    auto fields = nlohmann::json::object();
    fields.update(error_fields(error));
    fields.update({{"phase", "failed"}, {"exit_code", exit_code_for(error)}});
    log.error(error.what(), fields);
    return exit_code_for(error);
  }
}

}  // namespace txt2pdf
