#include "txt2pdf/job/config.hpp"

#include <cctype>
#include <optional>

#include "txt2pdf/core/env_values.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

Error config_error(std::string_view variable, const std::string& problem) {
  return Error(ErrorKind::kConfig, std::string(variable) + " " + problem);
}

std::string required(const Environment& env, std::string_view variable) {
  auto value = lookup(env, variable);
  if (!value) throw config_error(variable, "is not set (required)");
  return *value;
}

// S3 bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens for new
// buckets; legacy us-east-1 buckets may also have upper case and underscores (up to 255).
void check_bucket_name(std::string_view variable, const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 255) {
    throw config_error(variable, "must be a bucket name of 3 to 255 characters, got \"" + bucket + "\"");
  }
  for (std::size_t i = 0; i < bucket.size(); ++i) {
    const auto c = static_cast<unsigned char>(bucket[i]);
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == '_')) {
      throw config_error(variable, "has a character not allowed in a bucket name at position " + std::to_string(i) +
                                       " of \"" + bucket + "\" (a URL or s3:// prefix? give the bare bucket name)");
    }
  }
}

// Offset of the first byte that is not part of a well-formed UTF-8 sequence, if any.
std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return i;
    }
    if (length == 2 && lead < 0xC2) return i;  // overlong
    i += length;
  }
  return std::nullopt;
}

// S3 object keys: 1 to 1024 bytes of UTF-8. Anything else is taken literally.
void check_object_key(std::string_view variable, const std::string& key) {
  if (key.size() > 1024)
    throw config_error(variable, "is " + std::to_string(key.size()) + " bytes; S3 keys are at most 1024");
  if (auto offset = first_invalid_utf8(key)) {
    throw config_error(variable, "is not valid UTF-8 (byte " + std::to_string(*offset) + ")");
  }
}

}  // namespace

std::string default_dest_key(std::string_view object_key) {
  constexpr std::string_view kTxt = ".txt";
  if (object_key.size() > kTxt.size()) {
    const auto tail = object_key.substr(object_key.size() - kTxt.size());
    if (iequals(tail, kTxt)) return std::string(object_key.substr(0, object_key.size() - kTxt.size())) + ".pdf";
  }
  return std::string(object_key) + ".pdf";
}

JobConfig parse_job_config(const Environment& env) {
  JobConfig config;
  config.source_bucket = required(env, "SOURCE_BUCKET");
  check_bucket_name("SOURCE_BUCKET", config.source_bucket);
  config.object_key = required(env, "OBJECT_KEY");
  check_object_key("OBJECT_KEY", config.object_key);
  config.dest_bucket = required(env, "DEST_BUCKET");
  check_bucket_name("DEST_BUCKET", config.dest_bucket);
  config.dest_key = lookup(env, "DEST_KEY").value_or(default_dest_key(config.object_key));
  check_object_key("DEST_KEY", config.dest_key);
  if (config.dest_bucket == config.source_bucket && config.dest_key == config.object_key) {
    throw config_error("DEST_KEY", "would overwrite the source object s3://" + config.source_bucket + "/" +
                                       config.object_key + " with its own PDF");
  }

  if (auto region = lookup(env, "AWS_REGION"))
    config.s3.region = *region;
  else if (auto default_region = lookup(env, "AWS_DEFAULT_REGION"))
    config.s3.region = *default_region;
  // The SDKs' precedence: the service-specific endpoint wins over the global one.
  if (auto url = env_url(env, "AWS_ENDPOINT_URL_S3"))
    config.s3.endpoint_url = *url;
  else if (auto global = env_url(env, "AWS_ENDPOINT_URL"))
    config.s3.endpoint_url = *global;
  config.s3.force_path_style = env_bool(env, "TXT2PDF_S3_FORCE_PATH_STYLE", config.s3.force_path_style);

  if (auto sse = lookup(env, "TXT2PDF_SSE")) {
    if (*sse == "AES256")
      config.sse = SseMode::kAes256;
    else if (*sse == "aws:kms")
      config.sse = SseMode::kKms;
    else if (*sse == "none")
      config.sse = SseMode::kNone;
    else
      throw config_error("TXT2PDF_SSE", "must be AES256, aws:kms or none, got \"" + *sse + "\"");
  }
  if (auto key_id = lookup(env, "TXT2PDF_SSE_KMS_KEY_ID")) {
    if (config.sse != SseMode::kKms)
      throw config_error("TXT2PDF_SSE_KMS_KEY_ID", "is set but TXT2PDF_SSE is not aws:kms");
    config.kms_key_id = *key_id;
  }

  if (auto max = lookup(env, "MAX_INPUT_BYTES")) config.max_input_bytes = parse_byte_size("MAX_INPUT_BYTES", *max);
  config.max_pages = env_integer(env, "MAX_PAGES", config.max_pages, 1, 100000000);
  config.connect_timeout = std::chrono::milliseconds(
      env_integer(env, "TXT2PDF_CONNECT_TIMEOUT_MS", config.connect_timeout.count(), 1, 600000));
  config.low_speed_timeout = env_duration(env, "TXT2PDF_LOW_SPEED_TIMEOUT_S", config.low_speed_timeout,
                                          std::chrono::seconds(1), std::chrono::seconds(3600));
  config.max_attempts = static_cast<int>(env_integer(env, "TXT2PDF_MAX_ATTEMPTS", config.max_attempts, 1, 20));
  config.log_format = log_format_from(env);
  // The only reader of TMPDIR: the job's temporary files go there.
  config.temp_dir = lookup(env, "TMPDIR").value_or(config.temp_dir);
  return config;
}

}  // namespace txt2pdf
