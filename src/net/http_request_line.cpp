#include "txt2pdf/net/http_request_line.hpp"

namespace txt2pdf {

std::optional<HttpRequestLine> parse_http_request_line(std::string_view head) {
  const auto line = head.substr(0, head.find_first_of("\r\n"));
  const auto first_space = line.find(' ');
  if (first_space == std::string_view::npos) return std::nullopt;
  const auto rest = line.substr(first_space + 1);
  return HttpRequestLine{std::string(line.substr(0, first_space)), std::string(rest.substr(0, rest.find(' ')))};
}

}  // namespace txt2pdf
