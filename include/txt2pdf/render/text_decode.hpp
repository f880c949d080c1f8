// Input decoding for the renderer (pure: bytes in, code points out, no I/O, no libharu).
// The encoding is decided once per file from its first kSniffBytes: a BOM (UTF-8, UTF-16 LE/BE),
// else UTF-8 when those bytes are valid UTF-8, else Windows-1252 (encoding_detect.hpp then asks
// uchardet which legacy character set it is). Binary input is refused there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace txt2pdf {

// kLegacy: any other character set, decoded by iconv (iconv_decoder.hpp).
enum class TextEncoding { kUtf8, kUtf16Le, kUtf16Be, kWindows1252, kLegacy };

// "utf-8", "utf-16le", "utf-16be", "windows-1252", "legacy".
[[nodiscard]] const char* to_string(TextEncoding encoding) noexcept;

// How much of the input decides the encoding and the binary check.
inline constexpr std::size_t kSniffBytes = std::size_t{64} * 1024;

struct SniffResult {
  TextEncoding encoding = TextEncoding::kUtf8;
  std::size_t bom_length = 0;  // bytes to skip before decoding
};

// Decides the encoding from the start of the input (`head`: the first kSniffBytes or the whole
// input when shorter). Throws Error(kBadInput) when the input looks binary: a NUL character, or
// more than 10 % control characters other than tab, LF, CR, FF, VT, ESC and backspace (overstrike);
// the message names the
// offset of the first NUL or the share of control characters.
[[nodiscard]] SniffResult sniff_encoding(std::string_view head);

// Streaming decoder. Invalid sequences (bad UTF-8, lone surrogates) become U+FFFD and are counted.
class IconvDecoder;

class TextDecoder {
 public:
  // `charset` names the iconv character set for kLegacy (ignored otherwise). Throws
  // Error(kConfig) when iconv does not know it.
  explicit TextDecoder(TextEncoding encoding, const std::string& charset = {});
  ~TextDecoder();
  TextDecoder(TextDecoder&&) noexcept;
  TextDecoder& operator=(TextDecoder&&) noexcept;

  // Appends the code points of `bytes` to `out`. An incomplete sequence at the end of `bytes` is
  // kept for the next call; with `last` it is flushed as U+FFFD.
  void decode(std::string_view bytes, bool last, std::u32string& out);

  // Number of U+FFFD produced for invalid input so far.
  [[nodiscard]] std::uint64_t replaced() const noexcept;

 private:
  void decode_utf8(std::string_view bytes, std::u32string& out);
  void decode_utf16(std::string_view bytes, std::u32string& out);

  TextEncoding encoding_;
  std::string pending_;  // bytes of an incomplete sequence carried over
  char32_t high_surrogate_ = 0;
  std::uint64_t replaced_ = 0;
  std::unique_ptr<IconvDecoder> iconv_;  // kLegacy
};

// The Unicode code point of Windows-1252 byte `byte` (undefined bytes map to U+FFFD).
[[nodiscard]] char32_t windows_1252_to_unicode(unsigned char byte) noexcept;
// The Windows-1252 byte for `cp`, or 0 when it has none (and for U+0000).
[[nodiscard]] unsigned char unicode_to_windows_1252(char32_t cp) noexcept;

}  // namespace txt2pdf
