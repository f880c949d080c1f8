#include "txt2pdf/render/encoding_detect.hpp"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <memory>
#include <optional>

#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/render/iconv_decoder.hpp"
#include "uchardet_api.hpp"

namespace txt2pdf {
namespace {

// A single-byte guess made from fewer non-ASCII bytes than this is weak.
constexpr std::size_t kFewHighBytes = 16;

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

struct ByteCounts {
  std::array<std::size_t, 256> of{};
  std::size_t high = 0;  // bytes >= 0x80
  [[nodiscard]] std::size_t range(unsigned first, unsigned last) const {
    std::size_t n = 0;
    for (unsigned b = first; b <= last; ++b) n += of[b];
    return n;
  }
};

ByteCounts count_bytes(std::string_view head) {
  ByteCounts counts;
  for (const char c : head) ++counts.of[static_cast<unsigned char>(c)];
  counts.high = counts.range(0x80, 0xFF);
  return counts;
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// CP437 puts its accented letters at 0x80..0xA5, Windows-1252 at 0xC0..0xFF: count the high bytes
// of each kind inside words (ASCII letters both sides). 0x92 (’ in Windows-1252, as in "don’t")
// and 0x93/0x94 (quotes) are not counted.
bool looks_like_cp437(std::string_view head) {
  std::size_t dos = 0;
  std::size_t windows = 0;
  for (std::size_t i = 1; i + 1 < head.size(); ++i) {
    const auto b = static_cast<unsigned char>(head[i]);
    if (b < 0x80 || !is_ascii_letter(head[i - 1]) || !is_ascii_letter(head[i + 1])) continue;
    if (b <= 0xA5 && b != 0x92 && b != 0x93 && b != 0x94) ++dos;
    if (b >= 0xE0) ++windows;
  }
  return dos >= 4 && dos > 3 * windows;
}

// ISO-2022-JP is 7-bit (valid UTF-8 as far as bytes go): its escape sequences designate JIS X 0208.
bool has_iso_2022_jp_escapes(std::string_view head) {
  return head.find("\x1B$B") != std::string_view::npos || head.find("\x1B$@") != std::string_view::npos;
}

// `head` decoded as `from`, encoded as `to`, skipping characters `to` lacks.
std::string recode(std::string_view head, const char* from, const char* to) {
  IconvDecoder decoder(from);
  std::u32string text;
  decoder.decode(head, true, text);
  const iconv_t cd = ::iconv_open(to, "WCHAR_T");
  // NOLINTNEXTLINE(performance-no-int-to-ptr): (iconv_t)-1 is iconv's error value
  if (cd == reinterpret_cast<iconv_t>(-1)) return {};
  std::wstring wide(text.begin(), text.end());
  std::string out(wide.size() * 2 + 16, '\0');
  char* in = reinterpret_cast<char*>(wide.data());
  std::size_t in_left = wide.size() * sizeof(wchar_t);
  char* put = out.data();
  std::size_t put_left = out.size();
  while (in_left > 0) {
    if (::iconv(cd, &in, &in_left, &put, &put_left) != static_cast<std::size_t>(-1)) break;
    if (errno != EILSEQ) break;
    in += sizeof(wchar_t);
    in_left -= sizeof(wchar_t);
  }
  ::iconv_close(cd);
  out.resize(out.size() - put_left);
  return out;
}

EncodingChoice legacy(std::string charset, std::string method, std::string detail) {
  EncodingChoice choice;
  choice.encoding = TextEncoding::kLegacy;
  choice.name = to_lower(charset);
  choice.charset = std::move(charset);
  choice.method = std::move(method);
  choice.detail = std::move(detail);
  return choice;
}

EncodingChoice windows_1252(std::string name, std::string method, std::string detail) {
  EncodingChoice choice;
  choice.encoding = TextEncoding::kWindows1252;
  choice.name = std::move(name);
  choice.method = std::move(method);
  choice.detail = std::move(detail);
  return choice;
}

// The Windows code page that extends ISO-8859-n with printable characters at 0x80..0x9F, where
// ISO-8859 has C1 controls no text uses (as WHATWG's encoding standard reads these labels).
const char* windows_superset(const std::string& iso) {
  static constexpr std::array<std::pair<const char*, const char*>, 8> kPairs{{
      {"ISO-8859-1", "WINDOWS-1252"},
      {"ISO-8859-15", "WINDOWS-1252"},
      {"ISO-8859-2", "WINDOWS-1250"},
      {"ISO-8859-5", "WINDOWS-1251"},
      {"ISO-8859-7", "WINDOWS-1253"},
      {"ISO-8859-9", "WINDOWS-1254"},
      {"ISO-8859-8", "WINDOWS-1255"},
      {"ISO-8859-13", "WINDOWS-1257"},
  }};
  for (const auto& [from, to] : kPairs) {
    if (iso == from) return to;
  }
  return nullptr;
}

bool is_latin_guess(const std::string& charset) {
  return charset == "ISO-8859-1" || charset == "WINDOWS-1252" || charset == "ISO-8859-15";
}

// No guess from uchardet: CP737 (which it has no model for), CP437, or windows-1252.
EncodingChoice refine_no_guess(std::string_view head, const std::string& said, const CharsetGuesser& guess) {
  EncodingChoice choice;
  // uchardet has no model for CP737 (DOS Greek): re-encode as ISO-8859-7 and ask again.
  const auto greek = upper(guess(recode(head, "CP737", "ISO-8859-7")));
  if (greek == "ISO-8859-7" || greek == "WINDOWS-1253") {
    choice = legacy("CP737", "heuristic", said + "; as CP737 the text reads as Greek to uchardet");
  } else if (looks_like_cp437(head)) {
    choice = legacy("CP437", "heuristic", said + "; accented letters at CP437's places");
    choice.low_confidence = true;
  } else {
    choice = windows_1252("windows-1252", "fallback", said + "; windows-1252 assumed");
    choice.low_confidence = true;
  }
  return choice;
}

// The encoding to decode uchardet's guess `charset` (upper case) as: its Windows or UHC/GB18030
// superset, KOI8-U, the guess itself, or nothing (iconv cannot decode it).
std::optional<EncodingChoice> superset_choice(const std::string& charset, const ByteCounts& counts,
                                              const std::string& said) {
  const bool c1 = counts.range(0x80, 0x9F) > 0;
  if (const char* windows = windows_superset(charset); windows != nullptr && (c1 || charset == "ISO-8859-1")) {
    const std::string detail = c1 ? said + "; bytes 0x80-0x9F are " + windows + " characters" : said;
    return std::string(windows) == "WINDOWS-1252" ? windows_1252(c1 ? "windows-1252" : "iso-8859-1", "uchardet", detail)
                                                  : legacy(windows, "uchardet", detail);
  }
  if (charset == "KOI8-R" && counts.of[0xA4] + counts.of[0xA6] + counts.of[0xA7] + counts.of[0xAD] + counts.of[0xB4] +
                                     counts.of[0xB6] + counts.of[0xB7] + counts.of[0xBD] >
                                 0) {
    // KOI8-U is KOI8-R with Ukrainian letters in place of eight box-drawing characters.
    return legacy("KOI8-U", "uchardet", said + "; Ukrainian letters present: KOI8-U");
  }
  if (charset == "EUC-KR") return legacy("UHC", "uchardet", said + "; decoded as UHC (CP949), its superset");
  if (charset == "GB2312") {
    // GB18030 is a superset; it reads A1AA as U+2014 (em dash) where glibc's GB2312 has U+2015, as
    // WHATWG's encoding standard does (its "gb2312" label is GBK).
    return legacy("GB18030", "uchardet", said + "; decoded as GB18030, its superset");
  }
  if (iconv_supports(charset)) return legacy(charset, "uchardet", said);
  return std::nullopt;
}

// uchardet's guess, corrected where it is known to be off, and how confident to be.
EncodingChoice refine(std::string_view head, const std::string& guessed, const CharsetGuesser& guess) {
  const auto counts = count_bytes(head);
  const std::string said = "uchardet said " + (guessed.empty() ? std::string("nothing") : guessed);
  if (guessed.empty()) return refine_no_guess(head, said, guess);
  const std::string charset = upper(guessed);
  if (charset == "UTF-8" || charset == "ASCII") {
    // Invalid UTF-8 (sniff_encoding said so) that uchardet still takes for UTF-8.
    EncodingChoice utf8;
    utf8.name = "utf-8";
    utf8.method = "uchardet";
    utf8.detail = said + "; the input has invalid UTF-8 sequences";
    utf8.low_confidence = true;
    return utf8;
  }
  EncodingChoice choice;
  if (is_latin_guess(charset) && looks_like_cp437(head)) {
    choice = legacy("CP437", "heuristic", said + "; accented letters at CP437's places");
    choice.low_confidence = true;
    return choice;
  }
  auto superset = superset_choice(charset, counts, said);
  if (!superset) {
    choice = windows_1252("windows-1252", "fallback", said + ", which iconv cannot decode; windows-1252 assumed");
    choice.low_confidence = true;
    return choice;
  }
  choice = std::move(*superset);
  const bool single_byte = charset.rfind("ISO-8859", 0) == 0 || charset.rfind("WINDOWS-", 0) == 0 ||
                           charset.rfind("KOI8", 0) == 0 || charset.rfind("IBM", 0) == 0 ||
                           charset.rfind("MAC", 0) == 0;
  if (single_byte && counts.high < kFewHighBytes) {
    choice.low_confidence = true;
    choice.detail += " from only " + std::to_string(counts.high) + " non-ASCII bytes";
  }
  return choice;
}

EncodingChoice forced_choice(std::string_view head, const std::string& forced) {
  const auto name = to_lower(forced);
  EncodingChoice choice;
  choice.method = "option";
  choice.detail = "forced by the encoding option";
  if (name == "utf-8" || name == "utf8") {
    (void)sniff_encoding(head);
    choice.name = "utf-8";
    if (head.substr(0, 3) == "\xEF\xBB\xBF") choice.bom_length = 3;
    return choice;
  }
  if (name == "utf-16le" || name == "utf-16be") {
    const bool le = name == "utf-16le";
    const std::string_view bom = le ? "\xFF\xFE" : "\xFE\xFF";
    const bool has_bom = head.substr(0, 2) == bom;
    // sniff_encoding checks 16-bit units for binary content behind a BOM: give it one.
    (void)sniff_encoding(has_bom ? std::string(head) : std::string(bom) + std::string(head));
    choice.encoding = le ? TextEncoding::kUtf16Le : TextEncoding::kUtf16Be;
    choice.name = name;
    choice.bom_length = has_bom ? 2 : 0;
    return choice;
  }
  (void)sniff_encoding(head);
  if (name == "windows-1252" || name == "cp1252") {
    choice.encoding = TextEncoding::kWindows1252;
    choice.name = "windows-1252";
    return choice;
  }
  choice.encoding = TextEncoding::kLegacy;
  choice.charset = upper(forced);
  choice.name = name;
  return choice;
}

struct UchardetDeleter {
  void operator()(uchardet* detector) const { uchardet_api().destroy(detector); }
};

}  // namespace

std::string uchardet_guess(std::string_view bytes) {
  const UchardetApi& api = uchardet_api();
  const std::unique_ptr<uchardet, UchardetDeleter> detector(api.create());
  if (!detector) return {};
  if (api.handle_data(detector.get(), bytes.data(), bytes.size()) != 0) return {};
  api.data_end(detector.get());
  const char* charset = api.get_charset(detector.get());
  return charset == nullptr ? std::string() : std::string(charset);
}

bool is_known_encoding(const std::string& name) {
  const auto key = to_lower(name);
  return key == "auto" || key == "utf-8" || key == "utf8" || key == "utf-16le" || key == "utf-16be" ||
         iconv_supports(name);
}

EncodingChoice choose_encoding(std::string_view head, const std::string& forced, const CharsetGuesser& guess) {
  if (head.size() > kSniffBytes) head = head.substr(0, kSniffBytes);
  if (!forced.empty() && to_lower(forced) != "auto") return forced_choice(head, forced);
  const auto sniffed = sniff_encoding(head);
  if (sniffed.encoding == TextEncoding::kUtf8 && sniffed.bom_length == 0 && has_iso_2022_jp_escapes(head) &&
      std::none_of(head.begin(), head.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return legacy("ISO-2022-JP", "escapes", "7-bit text with ISO-2022-JP escape sequences (ESC $ B)");
  }
  if (sniffed.encoding != TextEncoding::kWindows1252) {
    EncodingChoice choice;
    choice.encoding = sniffed.encoding;
    choice.name = to_string(sniffed.encoding);
    choice.bom_length = sniffed.bom_length;
    choice.method = sniffed.bom_length > 0 ? "bom" : "utf-8";
    choice.detail = sniffed.bom_length > 0 ? "byte order mark" : "valid UTF-8";
    return choice;
  }
  return refine(head, guess(head), guess);
}

}  // namespace txt2pdf
