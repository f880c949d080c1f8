#include "txt2pdf/core/env_values.hpp"

#include <charconv>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

[[noreturn]] void refuse(std::string_view variable, std::string_view text, const std::string& problem) {
  throw Error(ErrorKind::kConfig, std::string(variable) + "=\"" + std::string(text) + "\" " + problem);
}

std::string range_text(long long min, long long max) { return std::to_string(min) + ".." + std::to_string(max); }

}  // namespace

std::optional<bool> value_bool(std::string_view text) noexcept {
  for (const char* word : {"true", "1", "yes", "on", "enabled"}) {
    if (iequals(text, word)) return true;
  }
  for (const char* word : {"false", "0", "no", "off", "disabled"}) {
    if (iequals(text, word)) return false;
  }
  return std::nullopt;
}

const char* bool_syntax() noexcept { return "true/false, 1/0, yes/no, on/off or enabled/disabled"; }

std::optional<long long> value_integer(std::string_view text) noexcept {
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> value_byte_size(std::string_view text) noexcept {
  std::uint64_t number = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  const std::string_view suffix(ptr, static_cast<std::size_t>(end - ptr));
  std::uint64_t unit = 0;
  if (suffix.empty() || suffix == "B")
    unit = 1;
  else if (suffix == "KiB" || suffix == "K")
    unit = 1ull << 10;
  else if (suffix == "MiB" || suffix == "M")
    unit = 1ull << 20;
  else if (suffix == "GiB" || suffix == "G")
    unit = 1ull << 30;
  if (ec != std::errc() || unit == 0 || number == 0 || number > UINT64_MAX / unit) return std::nullopt;
  return number * unit;
}

bool parse_bool(std::string_view variable, std::string_view text) {
  if (const auto value = value_bool(text)) return *value;
  refuse(variable, text, std::string("is not a boolean (") + bool_syntax() + ")");
}

long long parse_integer(std::string_view variable, std::string_view text, long long min, long long max) {
  const auto value = value_integer(text);
  if (!value) refuse(variable, text, "is not a whole number (expected " + range_text(min, max) + ")");
  if (*value < min || *value > max) refuse(variable, text, "is outside " + range_text(min, max));
  return *value;
}

std::chrono::seconds parse_duration(std::string_view variable, std::string_view text, std::chrono::seconds min,
                                    std::chrono::seconds max) {
  std::string_view number = text;
  if (!number.empty() && number.back() == 's') number.remove_suffix(1);
  const auto value = value_integer(number);
  const auto range = range_text(min.count(), max.count());
  if (!value) refuse(variable, text, "is not a duration in whole seconds such as 20 or 20s (expected " + range + ")");
  if (*value < min.count() || *value > max.count()) refuse(variable, text, "is outside " + range + " seconds");
  return std::chrono::seconds(*value);
}

std::uint64_t parse_byte_size(std::string_view variable, std::string_view text) {
  if (const auto value = value_byte_size(text)) return *value;
  refuse(variable, text, "is not a size such as 268435456, 256MiB or 1GiB");
}

std::string parse_url(std::string_view variable, std::string_view text) {
  std::string url(text);
  const bool http = url.rfind("http://", 0) == 0;
  const bool https = url.rfind("https://", 0) == 0;
  if (!http && !https) refuse(variable, text, "must start with http:// or https://");
  const std::size_t host_start = http ? 7 : 8;
  if (url.size() == host_start || url[host_start] == '/') refuse(variable, text, "has no host");
  while (url.back() == '/') url.pop_back();
  return url;
}

bool env_bool(const Environment& env, std::string_view variable, bool fallback) {
  const auto text = lookup(env, variable);
  return text ? parse_bool(variable, *text) : fallback;
}

long long env_integer(const Environment& env, std::string_view variable, long long fallback, long long min,
                      long long max) {
  const auto text = lookup(env, variable);
  return text ? parse_integer(variable, *text, min, max) : fallback;
}

std::chrono::seconds env_duration(const Environment& env, std::string_view variable, std::chrono::seconds fallback,
                                  std::chrono::seconds min, std::chrono::seconds max) {
  const auto text = lookup(env, variable);
  return text ? parse_duration(variable, *text, min, max) : fallback;
}

std::optional<std::string> env_url(const Environment& env, std::string_view variable) {
  const auto text = lookup(env, variable);
  if (!text) return std::nullopt;
  return parse_url(variable, *text);
}

}  // namespace txt2pdf
