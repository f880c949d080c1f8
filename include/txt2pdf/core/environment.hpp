// The process environment as a plain value: read once in main (environment_from), passed down.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace txt2pdf {

using Environment = std::map<std::string, std::string, std::less<>>;

// Only executables call this (the edge); library code receives the map.
[[nodiscard]] Environment environment_from(char** envp);

// The value of `name` when set and non-empty.
[[nodiscard]] std::optional<std::string> lookup(const Environment& env, std::string_view name);

}  // namespace txt2pdf
