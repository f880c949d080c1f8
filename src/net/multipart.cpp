#include "txt2pdf/net/multipart.hpp"

#include <cctype>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

// The value of parameter `name` in "form-data; name="x"; filename="y"". Browsers send quoted
// strings with '"' escaped as %22 (WHATWG HTML), so no backslash handling is needed beyond \" .
std::optional<std::string> parameter(std::string_view header, std::string_view name) {
  std::size_t at = 0;
  while ((at = header.find(';', at)) != std::string_view::npos) {
    ++at;
    std::string_view rest = trim(header.substr(at));
    const auto equals = rest.find('=');
    if (equals == std::string_view::npos) continue;
    if (to_lower(trim(rest.substr(0, equals))) != name) continue;
    rest = trim(rest.substr(equals + 1));
    if (!rest.empty() && rest.front() == '"') {
      std::string value;
      for (std::size_t i = 1; i < rest.size(); ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) {
          value.push_back(rest[++i]);
        } else if (rest[i] == '"') {
          return value;
        } else {
          value.push_back(rest[i]);
        }
      }
      return std::nullopt;  // unterminated quote
    }
    return std::string(trim(rest.substr(0, rest.find(';'))));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  if (to_lower(trim(content_type.substr(0, semicolon))) != "multipart/form-data") return std::nullopt;
  auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

std::vector<FormPart> parse_multipart(std::string_view body, std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<FormPart> parts;
  auto at = body.find(delimiter);
  if (at == std::string_view::npos) throw Error(ErrorKind::kBadInput, "multipart body without its boundary");
  at += delimiter.size();
  while (true) {
    if (body.substr(at, 2) == "--") return parts;  // closing delimiter
    if (body.substr(at, 2) != "\r\n") throw Error(ErrorKind::kBadInput, "malformed multipart delimiter line");
    at += 2;
    const auto head_end = body.find("\r\n\r\n", at);
    if (head_end == std::string_view::npos) throw Error(ErrorKind::kBadInput, "multipart part without a header end");
    FormPart part;
    bool named = false;
    std::string_view headers = body.substr(at, head_end - at);
    while (!headers.empty()) {
      const auto end = headers.find("\r\n");
      const std::string_view line = headers.substr(0, end);
      headers = end == std::string_view::npos ? std::string_view() : headers.substr(end + 2);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const auto name = to_lower(trim(line.substr(0, colon)));
      const auto value = trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        if (auto field = parameter(value, "name")) {
          part.name = *field;
          named = true;
        }
        part.filename = parameter(value, "filename");
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!named) throw Error(ErrorKind::kBadInput, "multipart part without a Content-Disposition name");
    const auto data_start = head_end + 4;
    const auto next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos) throw Error(ErrorKind::kBadInput, "multipart body ends inside a part");
    part.data = std::string(body.substr(data_start, next - data_start));
    parts.push_back(std::move(part));
    at = next + 2 + delimiter.size();
  }
}

}  // namespace txt2pdf
