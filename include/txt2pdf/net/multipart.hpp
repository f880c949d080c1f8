// multipart/form-data (RFC 7578), what a browser's file upload form sends. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace txt2pdf {

struct FormPart {
  std::string name;                     // the form field
  std::optional<std::string> filename;  // present for file fields (as the browser sent it)
  std::string content_type;
  std::string data;
};

// The boundary parameter of a Content-Type header ("multipart/form-data; boundary=xyz", quoted or
// not); nullopt when the type is not multipart/form-data or has no boundary.
[[nodiscard]] std::optional<std::string> multipart_boundary(std::string_view content_type);
// Splits `body` into its parts. Throws Error(kBadInput) when the body is not well-formed (missing
// closing delimiter, a part without a Content-Disposition name).
[[nodiscard]] std::vector<FormPart> parse_multipart(std::string_view body, std::string_view boundary);

}  // namespace txt2pdf
