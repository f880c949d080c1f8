// The request line of an HTTP/1.x request head, as the health server reads it. Pure: bytes in,
// values out (fuzzed by tests/fuzz/health_fuzz.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace txt2pdf {

struct HttpRequestLine {
  std::string method;  // "GET", "HEAD", ... as sent
  std::string target;  // "/healthz?x=1": everything between the first and the second space
};

// The method and target of the first line of `head` (ended by CR or LF, or by the end of `head`).
// nullopt when that line is not "METHOD SP TARGET [SP VERSION]" (no space, an empty method or an
// empty target). Nothing is validated beyond that: the caller answers unknown methods and paths.
[[nodiscard]] std::optional<HttpRequestLine> parse_http_request_line(std::string_view head);

}  // namespace txt2pdf
