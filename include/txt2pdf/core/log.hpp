// Structured logs: one JSON object per line on stderr (CloudWatch-friendly), or a short human
// format for terminals. Thread-safe; each record is written with a single write().
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "txt2pdf/core/environment.hpp"

namespace txt2pdf {

enum class LogFormat { kJson, kHuman };
enum class LogLevel { kDebug, kInfo, kWarn, kError };

class Logger {
 public:
  explicit Logger(LogFormat format = LogFormat::kJson, int fd = 2) : format_(format), fd_(fd) {}
  // `fields` must be a JSON object (or null); "level", "msg" and "time" are added.
  void log(LogLevel level, std::string_view message, const nlohmann::json& fields = nullptr) const;
  void info(std::string_view message, const nlohmann::json& fields = nullptr) const {
    log(LogLevel::kInfo, message, fields);
  }
  void warn(std::string_view message, const nlohmann::json& fields = nullptr) const {
    log(LogLevel::kWarn, message, fields);
  }
  void error(std::string_view message, const nlohmann::json& fields = nullptr) const {
    log(LogLevel::kError, message, fields);
  }

 private:
  LogFormat format_;
  int fd_;
};

// TXT2PDF_LOG_FORMAT, parsed here only: "json" or "human"; nullopt for anything else.
[[nodiscard]] std::optional<LogFormat> value_log_format(std::string_view text) noexcept;
// TXT2PDF_LOG_FORMAT from `env` (json when unset). Throws Error(kConfig) naming the variable for
// another value: the job's and the dispatcher's configurations call this.
[[nodiscard]] LogFormat log_format_from(const Environment& env);
// For the logger main() makes before the configuration is read: a bad value gives json here, and
// the configuration then reports it (through that logger).
[[nodiscard]] LogFormat log_format_or_json(const Environment& env) noexcept;

// Fields describing an Error: kind, code, status, request id, message.
[[nodiscard]] nlohmann::json error_fields(const class Error& error);

}  // namespace txt2pdf
