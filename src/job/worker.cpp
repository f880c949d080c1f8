#include "txt2pdf/job/worker.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/job/config.hpp"
#include "txt2pdf/net/http.hpp"
#include "txt2pdf/render/render.hpp"

namespace txt2pdf {
namespace {

using nlohmann::json;

// Keys are bytes, not always UTF-8 (S3 allows any byte sequence after decoding an event), and
// JSON strings must be UTF-8: every byte outside printable ASCII, and '%', travels as %XX.
std::string escape_bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || byte == '%') {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_bytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const bool complete = i + 2 < text.size();
    const int high = complete ? hex_digit_value(text[i + 1]) : -1;
    const int low = complete ? hex_digit_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      throw Error(ErrorKind::kInternal, "worker protocol: malformed %-escape in a string");
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

json parse_line(std::string_view line, const char* what) {
  auto value = json::parse(line, nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    throw Error(ErrorKind::kInternal, std::string("worker protocol: a ") + what + " is not a JSON object");
  }
  return value;
}

std::string text(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::string bytes(const json& object, const char* name) { return unescape_bytes(text(object, name)); }

template <typename T>
T number(const json& object, const char* name, T fallback) {
  const auto found = object.find(name);
  return found != object.end() && found->is_number() ? found->get<T>() : fallback;
}

// The credentials of the request being converted: the dispatcher's provider decides, every
// worker signs with what it was handed.
class RelayedCredentials final : public CredentialsProvider {
 public:
  void set(Credentials credentials) { credentials_ = std::move(credentials); }
  [[nodiscard]] Credentials get() override {
    if (credentials_.access_key_id.empty()) {
      throw Error(ErrorKind::kAccessDenied, "the dispatcher relayed no credentials with this request");
    }
    return credentials_;
  }

 private:
  Credentials credentials_;
};

// Reads '\n'-terminated lines from a file descriptor.
class LineReader {
 public:
  LineReader(int fd, StopToken stop) : fd_(fd), stop_(std::move(stop)) {}
  // False at end of input, on a read error, or when a stop was requested.
  bool next(std::string& line) {
    for (;;) {
      const auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        line.assign(buffer_, 0, newline);
        buffer_.erase(0, newline + 1);
        return true;
      }
      char chunk[16384];
      const auto got = ::read(fd_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR && !stop_.stop_requested()) continue;
      if (got <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

 private:
  int fd_;
  StopToken stop_;
  std::string buffer_;
};

bool write_line(int fd, std::string line) {
  line += '\n';
  std::string_view rest = line;
  while (!rest.empty()) {
    const auto written = ::write(fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

void limit_memory(const Environment& env, const Logger& log) {
  const auto limit = lookup(env, "TXT2PDF_WORKER_MEMORY_BYTES");
  if (!limit) return;
  const auto bytes_limit = parse_byte_size("TXT2PDF_WORKER_MEMORY_BYTES", *limit);
  if (bytes_limit == 0) return;
  rlimit value{static_cast<rlim_t>(bytes_limit), static_cast<rlim_t>(bytes_limit)};
  if (::setrlimit(RLIMIT_AS, &value) != 0) {
    log.warn("cannot limit the worker's memory", {{"errno", std::strerror(errno)}});
  }
}

// The environment of one request's job: the worker's own, with the request's object.
Environment request_environment(const Environment& env, const WorkerRequest& request) {
  Environment job_env = env;
  job_env.erase("DEST_KEY");
  job_env["SOURCE_BUCKET"] = request.source_bucket;
  job_env["OBJECT_KEY"] = request.object_key;
  job_env["DEST_BUCKET"] = request.dest_bucket;
  if (!request.dest_key.empty()) job_env["DEST_KEY"] = request.dest_key;
  return job_env;
}

// One request, end to end; `out_of_memory` is set when the job ran out of memory.
WorkerResult serve_request(const WorkerRequest& request, const Environment& env, const Clock& clock, S3Client& s3,
                           const Logger& log, bool& out_of_memory) {
  const auto job_env = request_environment(env, request);
  WorkerResult result;
  result.id = request.id;
  try {
    const auto config = parse_job_config(job_env);
    RenderOptions options;
    set_render_time(options, clock.now());
    apply_environment(options, job_env);
    const auto converted = convert_object(config, options, s3, log, config.temp_dir);
    result.exit_code = converted.exit_code;
    result.verified = converted.exit_code == kExitOk;
    result.skipped = converted.report.skipped;
    result.source_etag = converted.report.source_etag;
    result.pdf_bytes = converted.report.pdf_bytes;
    result.pages = converted.report.pages;
    result.error_kind = converted.error_kind;
    result.detail = converted.message;
    out_of_memory = converted.out_of_memory;
  } catch (const Error& error) {
    result.exit_code = exit_code_for(error);
    result.error_kind = error_fields(error).value("error_kind", "");
    result.detail = error.what();
  }
  return result;
}

}  // namespace

std::string encode_worker_request(const WorkerRequest& request) {
  json line = {{"id", request.id},
               {"source_bucket", escape_bytes(request.source_bucket)},
               {"object_key", escape_bytes(request.object_key)},
               {"dest_bucket", escape_bytes(request.dest_bucket)},
               {"dest_key", escape_bytes(request.dest_key)}};
  json credentials = {{"access_key_id", request.credentials.access_key_id},
                      {"secret_access_key", request.credentials.secret_access_key}};
  if (!request.credentials.session_token.empty()) credentials["session_token"] = request.credentials.session_token;
  if (request.credentials.expiration) {
    credentials["expiration"] =
        std::chrono::duration_cast<std::chrono::seconds>(request.credentials.expiration->time_since_epoch()).count();
  }
  line["credentials"] = std::move(credentials);
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

WorkerRequest decode_worker_request(std::string_view line) {
  const auto value = parse_line(line, "request");
  WorkerRequest request;
  request.id = number<long>(value, "id", 0);
  request.source_bucket = bytes(value, "source_bucket");
  request.object_key = bytes(value, "object_key");
  request.dest_bucket = bytes(value, "dest_bucket");
  request.dest_key = bytes(value, "dest_key");
  if (request.source_bucket.empty() || request.object_key.empty() || request.dest_bucket.empty()) {
    throw Error(ErrorKind::kInternal, "worker protocol: a request needs source_bucket, object_key and dest_bucket");
  }
  if (const auto found = value.find("credentials"); found != value.end() && found->is_object()) {
    request.credentials.access_key_id = text(*found, "access_key_id");
    request.credentials.secret_access_key = text(*found, "secret_access_key");
    request.credentials.session_token = text(*found, "session_token");
    if (const auto expiration = found->find("expiration"); expiration != found->end() && expiration->is_number()) {
      request.credentials.expiration =
          std::chrono::system_clock::time_point(std::chrono::seconds(expiration->get<long long>()));
    }
  }
  return request;
}

std::string encode_worker_result(const WorkerResult& result) {
  const json line = {{"id", result.id},
                     {"exit_code", result.exit_code},
                     {"verified", result.verified},
                     {"skipped", result.skipped},
                     {"source_etag", escape_bytes(result.source_etag)},
                     {"pdf_bytes", result.pdf_bytes},
                     {"pages", result.pages},
                     {"error_kind", result.error_kind},
                     {"detail", escape_bytes(result.detail)}};
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

WorkerResult decode_worker_result(std::string_view line) {
  const auto value = parse_line(line, "result");
  const auto code = value.find("exit_code");
  if (code == value.end() || !code->is_number_integer()) {
    throw Error(ErrorKind::kInternal, "worker protocol: a result needs an integer exit_code");
  }
  WorkerResult result;
  result.id = number<long>(value, "id", 0);
  result.exit_code = code->get<int>();
  const auto verified = value.find("verified");
  result.verified = verified != value.end() && verified->is_boolean() && verified->get<bool>() && result.exit_code == 0;
  const auto skipped = value.find("skipped");
  result.skipped = skipped != value.end() && skipped->is_boolean() && skipped->get<bool>();
  result.source_etag = bytes(value, "source_etag");
  result.pdf_bytes = number<std::uint64_t>(value, "pdf_bytes", 0);
  result.pages = number<std::uint64_t>(value, "pages", 0);
  result.error_kind = text(value, "error_kind");
  result.detail = bytes(value, "detail");
  return result;
}

int run_worker_command(const Environment& env, int in, int out, const StopToken& stop) {
  const Logger log(log_format_or_json(env));
  limit_memory(env, log);
  // One set of clients for the worker's life: the point of the pool.
  Environment probe = env;
  // The per-object variables come with each request; placeholders let the shared ones be checked now.
  probe.erase("DEST_KEY");
  probe["SOURCE_BUCKET"] = "probe-source";
  probe["OBJECT_KEY"] = "probe.txt";
  probe["DEST_BUCKET"] = "probe-dest";
  const auto base = parse_job_config(probe);  // kConfig here: the worker cannot run at all
  SystemClock clock(stop);
  RelayedCredentials credentials;
  const auto clients = make_job_clients(base, env, clock, stop, &credentials);

  LineReader reader(in, stop);
  std::string line;
  while (!stop.stop_requested() && reader.next(line)) {
    const auto request = decode_worker_request(line);
    credentials.set(request.credentials);
    bool out_of_memory = false;
    const auto result = serve_request(request, env, clock, *clients.s3, log, out_of_memory);
    if (!write_line(out, encode_worker_result(result))) return kExitOk;  // the dispatcher is gone
    // Out of memory leaves the heap in no state to trust: finish this worker, the pool starts another.
    if (out_of_memory) return kExitOk;
  }
  return kExitOk;
}

}  // namespace txt2pdf
