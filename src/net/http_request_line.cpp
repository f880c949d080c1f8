#include "txt2pdf/net/http_request_line.hpp"

namespace txt2pdf {

std::optional<HttpRequestLine> parse_http_request_line(std::string_view head) {
  const auto line = head.substr(0, head.find_first_of("\r\n"));
  const auto first_space = line.find(' ');
  if (first_space == std::string_view::npos || first_space == 0) return std::nullopt;
  const auto second_space = line.find(' ', first_space + 1);
  const auto target =
      line.substr(first_space + 1,
                  second_space == std::string_view::npos ? std::string_view::npos : second_space - first_space - 1);
  if (target.empty()) return std::nullopt;
  return HttpRequestLine{std::string(line.substr(0, first_space)), std::string(target)};
}

}  // namespace txt2pdf
