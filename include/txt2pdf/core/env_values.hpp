// The one parser for configuration values, used by the job, the dispatcher and the render options.
// Each parse_* function takes the variable's name for its error: Error(kConfig) naming the
// variable and the value, e.g. `MAX_CONCURRENCY="0" is outside 1..256`. The value_* functions are
// the same rules without an error, for callers that report in their own words (the render
// options: a bad object-metadata value is bad input, exit 65, not configuration, exit 64).
//
// Accepted syntax (the README's "Configuration values" paragraph says the same):
//   boolean    true/false, 1/0, yes/no, on/off, enabled/disabled (ECS's own spelling), any case
//   integer    decimal digits, optionally after '-', checked against the caller's range
//   duration   whole seconds: "20" or "20s"; no fractions, no other units
//   byte size  a positive whole number with an optional unit: B, KiB/K, MiB/M, GiB/G (powers of 1024)
//   URL        http:// or https:// followed by a host; trailing slashes are dropped
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "txt2pdf/core/environment.hpp"

namespace txt2pdf {

[[nodiscard]] std::optional<bool> value_bool(std::string_view text) noexcept;
[[nodiscard]] std::optional<long long> value_integer(std::string_view text) noexcept;
[[nodiscard]] std::optional<std::uint64_t> value_byte_size(std::string_view text) noexcept;

// The words value_bool accepts, for messages: "true/false, 1/0, yes/no, on/off or enabled/disabled".
[[nodiscard]] const char* bool_syntax() noexcept;

[[nodiscard]] bool parse_bool(std::string_view variable, std::string_view text);
[[nodiscard]] long long parse_integer(std::string_view variable, std::string_view text, long long min, long long max);
[[nodiscard]] std::chrono::seconds parse_duration(std::string_view variable, std::string_view text,
                                                  std::chrono::seconds min, std::chrono::seconds max);
[[nodiscard]] std::uint64_t parse_byte_size(std::string_view variable, std::string_view text);
// An HTTP(S) endpoint ("https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:7480/"), returned
// without trailing slashes. Refuses other schemes and a missing host.
[[nodiscard]] std::string parse_url(std::string_view variable, std::string_view text);

// The same, read from `env`: `fallback` when the variable is unset or empty.
[[nodiscard]] bool env_bool(const Environment& env, std::string_view variable, bool fallback);
[[nodiscard]] long long env_integer(const Environment& env, std::string_view variable, long long fallback,
                                    long long min, long long max);
[[nodiscard]] std::chrono::seconds env_duration(const Environment& env, std::string_view variable,
                                                std::chrono::seconds fallback, std::chrono::seconds min,
                                                std::chrono::seconds max);
[[nodiscard]] std::optional<std::string> env_url(const Environment& env, std::string_view variable);

}  // namespace txt2pdf
