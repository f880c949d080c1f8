#include "txt2pdf/core/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/text_safety.hpp"

namespace txt2pdf {
namespace {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(text, length) + "." + std::to_string(1000 + millis).substr(1) + "Z";
}

void write_all(int fd, const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const auto written = ::write(fd, line.data() + done, line.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;  // nowhere left to report a logging failure
    done += static_cast<std::size_t>(written);
  }
}

}  // namespace

void Logger::log(LogLevel level, std::string_view message, const nlohmann::json& fields) const {
  std::string line;
  if (format_ == LogFormat::kJson) {
    nlohmann::json record = {{"time", utc_timestamp()}, {"level", level_name(level)}, {"msg", message}};
    if (fields.is_object()) record.update(fields);
    // Invalid UTF-8 in keys or messages must not throw from a log call.
    line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    // Keys and messages come from the network: control characters are escaped so that a key with
    // a newline cannot forge a log line, nor an ESC drive the terminal.
    line = std::string(level_name(level)) + ": " + escape_for_terminal(message);
    if (fields.is_object()) {
      for (const auto& [name, value] : fields.items()) {
        line += " " + escape_for_terminal(name) + "=" +
                (value.is_string() ? escape_for_terminal(value.get_ref<const std::string&>())
                                   : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    }
  }
  line += '\n';
  write_all(fd_, line);
}

std::optional<LogFormat> value_log_format(std::string_view text) noexcept {
  if (text == "json") return LogFormat::kJson;
  if (text == "human") return LogFormat::kHuman;
  return std::nullopt;
}

LogFormat log_format_from(const Environment& env) {
  const auto text = lookup(env, "TXT2PDF_LOG_FORMAT");
  if (!text) return LogFormat::kJson;
  if (const auto format = value_log_format(*text)) return *format;
  throw Error(ErrorKind::kConfig, "TXT2PDF_LOG_FORMAT=\"" + *text + "\" is not json or human");
}

LogFormat log_format_or_json(const Environment& env) noexcept {
  try {
    return log_format_from(env);
  } catch (...) {
    return LogFormat::kJson;
  }
}

nlohmann::json error_fields(const Error& error) {
  nlohmann::json fields = {{"error_kind", to_string(error.kind())}, {"error", error.what()}};
  if (error.http_status() != 0) fields["http_status"] = error.http_status();
  if (!error.aws_code().empty()) fields["aws_code"] = error.aws_code();
  if (!error.request_id().empty()) fields["request_id"] = error.request_id();
  return fields;
}

}  // namespace txt2pdf
