#include "txt2pdf/core/text_safety.hpp"

#include <cstdint>

namespace txt2pdf {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// Length of the well-formed UTF-8 sequence at text[pos] (RFC 3629 table 3-7), 0 when there is none;
// `code_point` receives its value.
std::size_t sequence_at(std::string_view text, std::size_t pos, std::uint32_t& code_point) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  const unsigned char second = byte(pos + 1);
  if (second < low || second > high) return 0;
  std::uint32_t value = lead & (0xFFu >> (length + 1));
  value = (value << 6) | (second & 0x3Fu);
  for (std::size_t i = 2; i < length; ++i) {
    const unsigned char next = byte(pos + i);
    if (next < 0x80 || next > 0xBF) return 0;
    value = (value << 6) | (next & 0x3Fu);
  }
  code_point = value;
  return length;
}

bool sqs_allowed(std::uint32_t c) noexcept {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
}

void append_hex(std::string& out, const char* prefix, unsigned char byte) {
  out += prefix;
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  std::uint32_t code_point = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto length = sequence_at(text, pos, code_point);
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

std::string escape_invalid_utf8(std::string_view text, bool sqs_characters) {
  std::string out;
  out.reserve(text.size());
  std::uint32_t code_point = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto length = sequence_at(text, pos, code_point);
    if (length == 0 || (sqs_characters && !sqs_allowed(code_point))) {
      const std::size_t bytes = length == 0 ? 1 : length;
      for (std::size_t i = 0; i < bytes; ++i) append_hex(out, "%", static_cast<unsigned char>(text[pos + i]));
      pos += bytes;
      continue;
    }
    out.append(text.substr(pos, length));
    pos += length;
  }
  return out;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

std::string escape_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::uint32_t code_point = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto length = sequence_at(text, pos, code_point);
    if (length == 0) {
      append_hex(out, "\\x", static_cast<unsigned char>(text[pos]));
      ++pos;
      continue;
    }
    if (code_point == '\\') {
      out += "\\\\";
    } else if (code_point == '\n') {
      out += "\\n";
    } else if (code_point == '\r') {
      out += "\\r";
    } else if (code_point == '\t') {
      out += "\\t";
    } else if (code_point < 0x20 || code_point == 0x7F || (code_point >= 0x80 && code_point <= 0x9F)) {
      for (std::size_t i = 0; i < length; ++i) append_hex(out, "\\x", static_cast<unsigned char>(text[pos + i]));
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

}  // namespace txt2pdf
