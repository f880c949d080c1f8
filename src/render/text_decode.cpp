#include "txt2pdf/render/text_decode.hpp"

#include <array>
#include <string>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/iconv_decoder.hpp"

namespace txt2pdf {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Windows-1252 0x80..0x9F (0 = undefined in the code page).
constexpr std::array<char32_t, 32> kCp1252High{0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                               0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                               0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                               0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Length of the valid UTF-8 sequence at the start of `bytes`: 0 when invalid, -1 when the bytes
// end before the sequence does (may still be valid with more input).
int utf8_sequence(std::string_view bytes, char32_t& cp) {
  const auto lead = static_cast<unsigned char>(bytes[0]);
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  int length = 0;
  char32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min = 0x80, cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min = 0x800, cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min = 0x10000, cp = lead & 0x07u;
  } else {
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    if (static_cast<std::size_t>(i) >= bytes.size()) return -1;
    const auto next = static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    if ((next & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (next & 0x3Fu);
    // Reject overlong forms, surrogates and > U+10FFFF as early as the second byte allows.
    if (i == 1) {
      if (length == 3 && ((lead == 0xE0 && next < 0xA0) || (lead == 0xED && next > 0x9F))) return 0;
      if (length == 4 && ((lead == 0xF0 && next < 0x90) || (lead == 0xF4 && next > 0x8F))) return 0;
    }
  }
  return cp < min ? 0 : length;
}

bool valid_utf8_prefix(std::string_view head) {
  std::size_t at = 0;
  while (at < head.size()) {
    // ASCII runs are the common case: skip them fast.
    if (static_cast<unsigned char>(head[at]) < 0x80) {
      ++at;
      continue;
    }
    char32_t cp = 0;
    const int length = utf8_sequence(head.substr(at), cp);
    if (length == 0) return false;
    if (length < 0) return true;  // cut off by the sniff window
    at += static_cast<std::size_t>(length);
  }
  return true;
}

bool is_allowed_control(unsigned unit) {
  // Backspace: overstrike (nroff's bold X\bX and underline _\bX).
  return unit == '\t' || unit == '\n' || unit == '\r' || unit == '\f' || unit == '\v' || unit == 0x1B || unit == '\b';
}

// Throws when `head` looks binary. `unit_size` is 1 for 8-bit encodings, 2 for UTF-16.
void check_not_binary(std::string_view head, std::size_t unit_size, bool big_endian) {
  std::size_t controls = 0;
  std::size_t units = 0;
  for (std::size_t at = 0; at + unit_size <= head.size(); at += unit_size, ++units) {
    unsigned unit = static_cast<unsigned char>(head[at]);
    if (unit_size == 2) {
      const unsigned other = static_cast<unsigned char>(head[at + 1]);
      unit = big_endian ? (unit << 8) | other : (other << 8) | unit;
    }
    if (unit == 0) {
      throw Error(ErrorKind::kBadInput, "input looks binary: NUL byte at offset " + std::to_string(at));
    }
    if ((unit < 0x20 && !is_allowed_control(unit)) || unit == 0x7F) ++controls;
  }
  if (units > 0 && controls * 10 > units) {
    throw Error(ErrorKind::kBadInput, "input looks binary: " + std::to_string(controls) + " of the first " +
                                          std::to_string(units) + " characters are control characters");
  }
}

}  // namespace

const char* to_string(TextEncoding encoding) noexcept {
  switch (encoding) {
    case TextEncoding::kUtf8:
      return "utf-8";
    case TextEncoding::kUtf16Le:
      return "utf-16le";
    case TextEncoding::kUtf16Be:
      return "utf-16be";
    case TextEncoding::kWindows1252:
      return "windows-1252";
    case TextEncoding::kLegacy:
      return "legacy";
  }
  return "utf-8";
}

char32_t windows_1252_to_unicode(unsigned char byte) noexcept {
  if (byte < 0x80 || byte >= 0xA0) return byte;
  const char32_t cp = kCp1252High[byte - 0x80u];
  return cp == 0 ? kReplacement : cp;
}

unsigned char unicode_to_windows_1252(char32_t cp) noexcept {
  if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) return static_cast<unsigned char>(cp);
  for (std::size_t i = 0; i < kCp1252High.size(); ++i) {
    if (kCp1252High[i] == cp) return static_cast<unsigned char>(0x80 + i);
  }
  return 0;
}

SniffResult sniff_encoding(std::string_view head) {
  if (head.size() > kSniffBytes) head = head.substr(0, kSniffBytes);
  if (head.substr(0, 3) == "\xEF\xBB\xBF") {
    check_not_binary(head.substr(3), 1, false);
    return {TextEncoding::kUtf8, 3};
  }
  if (head.substr(0, 2) == "\xFF\xFE") {
    check_not_binary(head.substr(2), 2, false);
    return {TextEncoding::kUtf16Le, 2};
  }
  if (head.substr(0, 2) == "\xFE\xFF") {
    check_not_binary(head.substr(2), 2, true);
    return {TextEncoding::kUtf16Be, 2};
  }
  check_not_binary(head, 1, false);
  return {valid_utf8_prefix(head) ? TextEncoding::kUtf8 : TextEncoding::kWindows1252, 0};
}

TextDecoder::TextDecoder(TextEncoding encoding, const std::string& charset) : encoding_(encoding) {
  if (encoding_ == TextEncoding::kLegacy) iconv_ = std::make_unique<IconvDecoder>(charset);
}

TextDecoder::~TextDecoder() = default;
TextDecoder::TextDecoder(TextDecoder&&) noexcept = default;
TextDecoder& TextDecoder::operator=(TextDecoder&&) noexcept = default;

std::uint64_t TextDecoder::replaced() const noexcept { return replaced_ + (iconv_ ? iconv_->replaced() : 0); }

void TextDecoder::decode(std::string_view bytes, bool last, std::u32string& out) {
  if (iconv_) {
    iconv_->decode(bytes, last, out);
    return;
  }
  std::string joined;
  if (!pending_.empty()) {
    joined = pending_;
    joined.append(bytes);
    pending_.clear();
    bytes = joined;
  }
  switch (encoding_) {
    case TextEncoding::kWindows1252:
      out.reserve(out.size() + bytes.size());
      for (const char byte : bytes) out.push_back(windows_1252_to_unicode(static_cast<unsigned char>(byte)));
      break;
    case TextEncoding::kUtf8:
      decode_utf8(bytes, out);
      break;
    case TextEncoding::kUtf16Le:
    case TextEncoding::kUtf16Be:
      decode_utf16(bytes, out);
      break;
    case TextEncoding::kLegacy:
      break;  // iconv_ above
  }
  if (last) {
    if (!pending_.empty() || high_surrogate_ != 0) {
      out.push_back(kReplacement);
      ++replaced_;
    }
    pending_.clear();
    high_surrogate_ = 0;
  }
}

void TextDecoder::decode_utf8(std::string_view bytes, std::u32string& out) {
  out.reserve(out.size() + bytes.size());
  std::size_t at = 0;
  while (at < bytes.size()) {
    const auto byte = static_cast<unsigned char>(bytes[at]);
    if (byte < 0x80) {
      out.push_back(byte);
      ++at;
      continue;
    }
    char32_t cp = 0;
    const int length = utf8_sequence(bytes.substr(at), cp);
    if (length < 0) {
      pending_.assign(bytes.substr(at));
      return;
    }
    if (length == 0) {
      // One U+FFFD per invalid byte, as most decoders do ("maximal subpart" is close enough).
      out.push_back(kReplacement);
      ++replaced_;
      ++at;
      continue;
    }
    out.push_back(cp);
    at += static_cast<std::size_t>(length);
  }
}

void TextDecoder::decode_utf16(std::string_view bytes, std::u32string& out) {
  const bool big_endian = encoding_ == TextEncoding::kUtf16Be;
  std::size_t at = 0;
  for (; at + 2 <= bytes.size(); at += 2) {
    const auto first = static_cast<unsigned char>(bytes[at]);
    const auto second = static_cast<unsigned char>(bytes[at + 1]);
    const char32_t unit = big_endian ? (char32_t{first} << 8) | second : (char32_t{second} << 8) | first;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (high_surrogate_ != 0) out.push_back(kReplacement), ++replaced_;
      high_surrogate_ = unit;
      continue;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      if (high_surrogate_ == 0) {
        out.push_back(kReplacement), ++replaced_;
      } else {
        out.push_back(0x10000 + ((high_surrogate_ - 0xD800) << 10) + (unit - 0xDC00));
        high_surrogate_ = 0;
      }
      continue;
    }
    if (high_surrogate_ != 0) out.push_back(kReplacement), ++replaced_, high_surrogate_ = 0;
    out.push_back(unit);
  }
  if (at < bytes.size()) pending_.assign(bytes.substr(at));
}

}  // namespace txt2pdf
