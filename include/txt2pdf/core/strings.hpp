// Small text helpers every folder needs, written once. ASCII only and locale-independent: they
// serve protocol text (HTTP header names, AWS codes, INI keys, environment values), never prose.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace txt2pdf {

// "Content-Type" -> "content-type". Bytes outside A-Z are unchanged (UTF-8 passes through).
[[nodiscard]] std::string to_lower(std::string_view text);

// Case-insensitive ASCII comparison: iequals("ETag", "etag").
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

// `text` without leading and trailing spaces, tabs, CR and LF (a view into `text`).
[[nodiscard]] std::string_view trim(std::string_view text) noexcept;

// Whether two entity tags name the same object version. S3 sends ETags quoted ("\"9b2c...\"") in
// headers; S3 event notifications and some tools record them bare (9b2c...). Surrounding quotes
// are ignored, nothing else is: a weak tag (W/"...") never equals a strong one. Two empty tags are
// not equal (an absent ETag proves nothing).
[[nodiscard]] bool same_etag(std::string_view a, std::string_view b) noexcept;

// The tag without its surrounding quotes, for messages and comparisons.
[[nodiscard]] std::string_view unquoted_etag(std::string_view etag) noexcept;

// application/x-www-form-urlencoded decoding, exactly once: '+' is a space, %XX a byte (as S3
// encodes keys in event notifications and in listings with encoding-type=url). nullopt on a bad or
// truncated %-escape, whose byte offset goes to `bad_escape_at` when given: callers name the error.
[[nodiscard]] std::optional<std::string> form_url_decode_once(std::string_view encoded,
                                                              std::size_t* bad_escape_at = nullptr);

// The value of one hexadecimal digit (either case), or -1.
[[nodiscard]] int hex_digit_value(char c) noexcept;

// %XX decoding that never fails, for paths and AWS query strings: '+' stays a plus and an invalid
// or truncated escape is kept as it is.
[[nodiscard]] std::string percent_decode(std::string_view text);

}  // namespace txt2pdf
