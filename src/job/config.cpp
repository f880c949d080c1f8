#include "txt2pdf/job/config.hpp"

#include <cctype>
#include <charconv>
#include <optional>

#include "txt2pdf/core/error.hpp"

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
    std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
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
  if (key.size() > 1024) throw config_error(variable, "is " + std::to_string(key.size()) + " bytes; S3 keys are at most 1024");
  if (auto offset = first_invalid_utf8(key)) {
    throw config_error(variable, "is not valid UTF-8 (byte " + std::to_string(*offset) + ")");
  }
}

bool parse_bool(std::string_view variable, const std::string& text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off") return false;
  throw config_error(variable, "must be true or false, got \"" + text + "\"");
}

long long parse_positive(std::string_view variable, const std::string& text, long long max) {
  long long value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value <= 0 || value > max) {
    throw config_error(variable, "must be a whole number from 1 to " + std::to_string(max) + ", got \"" + text + "\"");
  }
  return value;
}

std::string endpoint_url(const Environment& env, std::string_view variable) {
  auto url = *lookup(env, variable);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw config_error(variable, "must start with http:// or https://, got \"" + url + "\"");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string default_dest_key(std::string_view object_key) {
  constexpr std::string_view kTxt = ".txt";
  if (object_key.size() > kTxt.size()) {
    const auto tail = object_key.substr(object_key.size() - kTxt.size());
    bool is_txt = true;
    for (std::size_t i = 0; i < kTxt.size(); ++i) {
      is_txt = is_txt && std::tolower(static_cast<unsigned char>(tail[i])) == kTxt[i];
    }
    if (is_txt) return std::string(object_key.substr(0, object_key.size() - kTxt.size())) + ".pdf";
  }
  return std::string(object_key) + ".pdf";
}

std::uint64_t parse_byte_size(std::string_view variable, std::string_view text) {
  std::uint64_t number = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  const std::string_view suffix(ptr, static_cast<std::size_t>(end - ptr));
  std::uint64_t unit = 0;
  if (suffix.empty() || suffix == "B") unit = 1;
  else if (suffix == "KiB" || suffix == "K") unit = 1ull << 10;
  else if (suffix == "MiB" || suffix == "M") unit = 1ull << 20;
  else if (suffix == "GiB" || suffix == "G") unit = 1ull << 30;
  if (ec != std::errc() || unit == 0 || number == 0 || number > (UINT64_MAX / unit)) {
    throw config_error(variable, "must be a size such as 268435456, 256MiB or 1GiB, got \"" + std::string(text) + "\"");
  }
  return number * unit;
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

  if (auto region = lookup(env, "AWS_REGION")) config.s3.region = *region;
  else if (auto default_region = lookup(env, "AWS_DEFAULT_REGION")) config.s3.region = *default_region;
  // The SDKs' precedence: the service-specific endpoint wins over the global one.
  if (lookup(env, "AWS_ENDPOINT_URL_S3")) config.s3.endpoint_url = endpoint_url(env, "AWS_ENDPOINT_URL_S3");
  else if (lookup(env, "AWS_ENDPOINT_URL")) config.s3.endpoint_url = endpoint_url(env, "AWS_ENDPOINT_URL");
  if (auto path_style = lookup(env, "TXT2PDF_S3_FORCE_PATH_STYLE")) {
    config.s3.force_path_style = parse_bool("TXT2PDF_S3_FORCE_PATH_STYLE", *path_style);
  }

  if (auto sse = lookup(env, "TXT2PDF_SSE")) {
    if (*sse == "AES256") config.sse = SseMode::kAes256;
    else if (*sse == "aws:kms") config.sse = SseMode::kKms;
    else if (*sse == "none") config.sse = SseMode::kNone;
    else throw config_error("TXT2PDF_SSE", "must be AES256, aws:kms or none, got \"" + *sse + "\"");
  }
  if (auto key_id = lookup(env, "TXT2PDF_SSE_KMS_KEY_ID")) {
    if (config.sse != SseMode::kKms) throw config_error("TXT2PDF_SSE_KMS_KEY_ID", "is set but TXT2PDF_SSE is not aws:kms");
    config.kms_key_id = *key_id;
  }

  if (auto max = lookup(env, "MAX_INPUT_BYTES")) config.max_input_bytes = parse_byte_size("MAX_INPUT_BYTES", *max);
  if (auto pages = lookup(env, "MAX_PAGES")) config.max_pages = parse_positive("MAX_PAGES", *pages, 100000000);
  if (auto ms = lookup(env, "TXT2PDF_CONNECT_TIMEOUT_MS")) {
    config.connect_timeout = std::chrono::milliseconds(parse_positive("TXT2PDF_CONNECT_TIMEOUT_MS", *ms, 600000));
  }
  if (auto s = lookup(env, "TXT2PDF_LOW_SPEED_TIMEOUT_S")) {
    config.low_speed_timeout = std::chrono::seconds(parse_positive("TXT2PDF_LOW_SPEED_TIMEOUT_S", *s, 3600));
  }
  if (auto attempts = lookup(env, "TXT2PDF_MAX_ATTEMPTS")) {
    config.max_attempts = static_cast<int>(parse_positive("TXT2PDF_MAX_ATTEMPTS", *attempts, 20));
  }
  if (auto format = lookup(env, "TXT2PDF_LOG_FORMAT")) {
    if (*format == "json") config.log_format = LogFormat::kJson;
    else if (*format == "human") config.log_format = LogFormat::kHuman;
    else throw config_error("TXT2PDF_LOG_FORMAT", "must be json or human, got \"" + *format + "\"");
  }
  return config;
}

}  // namespace txt2pdf
