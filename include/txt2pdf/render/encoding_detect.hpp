// Which character set a text file is in, decided once from its first kSniffBytes: a BOM, valid
// UTF-8, the `encoding` option, else uchardet's guess (opened on first use: ASCII and UTF-8 input
// never load it) refined by a few rules uchardet lacks, decoded by iconv. The result says how it
// was decided and whether the guess is weak, so the caller can log it and store it in the PDF.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "txt2pdf/render/text_decode.hpp"

namespace txt2pdf {

struct EncodingChoice {
  TextEncoding encoding = TextEncoding::kUtf8;
  std::string charset;          // iconv's name for kLegacy ("SHIFT_JIS"), else empty
  std::string name;             // what logs and the PDF say: "utf-8", "shift_jis", "windows-1251"
  std::string method;           // how it was decided: "bom", "utf-8", "option", "uchardet", "heuristic"
  std::string detail;           // a sentence for humans: uchardet's answer and the rule applied
  bool low_confidence = false;  // a guess with little to go by: log a warning
  std::size_t bom_length = 0;   // bytes to skip before decoding
};

// uchardet's answer for `bytes` ("" when it has none): injected so tests can drive the rules.
using CharsetGuesser = std::function<std::string(std::string_view bytes)>;
[[nodiscard]] std::string uchardet_guess(std::string_view bytes);

// `forced`: the encoding option ("" or "auto": detect). A forced name is one iconv knows (checked
// by apply_option); "utf-8", "utf-16le", "utf-16be" and "windows-1252" use the built-in decoders.
// Throws Error(kBadInput) for binary input (sniff_encoding's rule).
[[nodiscard]] EncodingChoice choose_encoding(std::string_view head, const std::string& forced,
                                             const CharsetGuesser& guess = uchardet_guess);

// Whether `name` is an encoding option value: "auto" or a character set iconv decodes.
[[nodiscard]] bool is_known_encoding(const std::string& name);

}  // namespace txt2pdf
