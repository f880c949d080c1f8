// Structured logs: one JSON object per line on stderr (CloudWatch-friendly), or a short human
// format for terminals. Thread-safe; each record is written with a single write().
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace txt2pdf {

enum class LogFormat { kJson, kHuman };
enum class LogLevel { kDebug, kInfo, kWarn, kError };

class Logger {
 public:
  explicit Logger(LogFormat format = LogFormat::kJson, int fd = 2) : format_(format), fd_(fd) {}
  // `fields` must be a JSON object (or null); "level", "msg" and "time" are added.
  void log(LogLevel level, std::string_view message, const nlohmann::json& fields = nullptr) const;
  void info(std::string_view message, const nlohmann::json& fields = nullptr) const { log(LogLevel::kInfo, message, fields); }
  void warn(std::string_view message, const nlohmann::json& fields = nullptr) const { log(LogLevel::kWarn, message, fields); }
  void error(std::string_view message, const nlohmann::json& fields = nullptr) const { log(LogLevel::kError, message, fields); }

 private:
  LogFormat format_;
  int fd_;
};

// Fields describing an Error: kind, code, status, request id, message.
[[nodiscard]] nlohmann::json error_fields(const class Error& error);

}  // namespace txt2pdf
