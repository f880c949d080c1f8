#include "txt2pdf/core/environment.hpp"

namespace txt2pdf {

Environment environment_from(char** envp) {
  Environment env;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

std::optional<std::string> lookup(const Environment& env, std::string_view name) {
  const auto found = env.find(name);
  if (found == env.end() || found->second.empty()) return std::nullopt;
  return found->second;
}

}  // namespace txt2pdf
