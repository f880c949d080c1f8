// Legacy character sets (Shift_JIS, EUC-KR, GB18030, Big5, KOI8-R, Windows-125x, CP437...) decoded
// with glibc's iconv, streaming: bytes in, code points out. glibc loads its converters (gconv
// modules) on first use of a charset, so plain UTF-8 input never pays for them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace txt2pdf {

// Whether iconv can decode `charset` (an iconv name or alias: "SHIFT_JIS", "cp1251", "latin1").
// Names with '/' (iconv's //TRANSLIT and //IGNORE suffixes) are refused.
[[nodiscard]] bool iconv_supports(const std::string& charset);

class IconvDecoder {
 public:
  // Throws Error(kConfig) naming `charset` when iconv does not know it.
  explicit IconvDecoder(const std::string& charset);
  ~IconvDecoder();
  IconvDecoder(const IconvDecoder&) = delete;
  IconvDecoder& operator=(const IconvDecoder&) = delete;

  // Appends the code points of `bytes` to `out`. An incomplete sequence at the end is kept for the
  // next call; with `last` it is flushed as U+FFFD. Each byte iconv rejects becomes one U+FFFD.
  void decode(std::string_view bytes, bool last, std::u32string& out);
  [[nodiscard]] std::uint64_t replaced() const noexcept { return replaced_; }

 private:
  void* handle_;  // iconv_t
  std::string pending_;
  std::uint64_t replaced_ = 0;
};

}  // namespace txt2pdf
