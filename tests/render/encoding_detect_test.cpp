// Encoding choice: BOM and UTF-8 first, the option, uchardet's answer and the rules on top of it,
// and iconv decoding streamed byte by byte.
#include "txt2pdf/render/encoding_detect.hpp"

#include <gtest/gtest.h>

#include <string>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/iconv_decoder.hpp"

namespace txt2pdf {
namespace {

CharsetGuesser says(std::string answer) {
  return [answer](std::string_view) { return answer; };
}

std::u32string decode_with(const EncodingChoice& choice, std::string_view bytes) {
  TextDecoder decoder(choice.encoding, choice.charset);
  std::u32string out;
  for (std::size_t i = choice.bom_length; i < bytes.size(); ++i) decoder.decode(bytes.substr(i, 1), false, out);
  decoder.decode({}, true, out);
  return out;
}

TEST(ChooseEncoding, Utf8AndBomNeverAskUchardet) {
  const CharsetGuesser never = [](std::string_view) -> std::string {
    ADD_FAILURE() << "uchardet asked";
    return {};
  };
  EXPECT_EQ(choose_encoding("plain ascii\n", "auto", never).method, "utf-8");
  const auto bom = choose_encoding("\xEF\xBB\xBFx", "", never);
  EXPECT_EQ(bom.method, "bom");
  EXPECT_EQ(bom.bom_length, 3u);
}

TEST(ChooseEncoding, ShiftJisFromUchardet) {
  const std::string sjis = "\x93\xFA\x96\x7B\x8C\xEA\x82\xCC\x83\x65\x83\x4C\x83\x58\x83\x67\n";  // 日本語のテキスト
  const auto choice = choose_encoding(sjis, "auto");
  EXPECT_EQ(choice.name, "shift_jis");
  EXPECT_EQ(choice.method, "uchardet");
  EXPECT_EQ(decode_with(choice, sjis), U"\u65E5\u672C\u8A9E\u306E\u30C6\u30AD\u30B9\u30C8\n");
}

TEST(ChooseEncoding, Iso2022JpByItsEscapes) {
  const std::string jis = "\x1B$BF|K\\\x1B(B ok\n";  // 日本 in ISO-2022-JP
  const auto choice = choose_encoding(jis, "auto", says(""));
  EXPECT_EQ(choice.charset, "ISO-2022-JP");
  EXPECT_EQ(decode_with(choice, jis), U"\u65E5\u672C ok\n");
}

TEST(ChooseEncoding, IsoLatinWithC1BytesIsTheWindowsCodePage) {
  const std::string text =
      "za\x9E"
      "a\xBE \x8A\x9A"
      " and many more words here\n";
  const auto choice = choose_encoding(text, "auto", says("ISO-8859-2"));
  EXPECT_EQ(choice.name, "windows-1250");
  EXPECT_EQ(choose_encoding("caf\xE9 \x80", "auto", says("ISO-8859-1")).encoding, TextEncoding::kWindows1252);
}

TEST(ChooseEncoding, Koi8rWithUkrainianLettersIsKoi8u) {
  const std::string text = "\xD0\xD2\xC9\xD7\xA6\xD4\n";  // привіт
  const auto choice = choose_encoding(text, "auto", says("KOI8-R"));
  EXPECT_EQ(choice.charset, "KOI8-U");
  EXPECT_EQ(decode_with(choice, text), U"\u043F\u0440\u0438\u0432\u0456\u0442\n");
}

TEST(ChooseEncoding, FewHighBytesIsLowConfidence) {
  EXPECT_TRUE(choose_encoding("na\xEFve\n", "auto", says("WINDOWS-1252")).low_confidence);
  const auto none = choose_encoding("\xFD\xFE\xFF plain", "auto", says(""));
  EXPECT_TRUE(none.low_confidence);
  EXPECT_EQ(none.method, "fallback");
}

TEST(ChooseEncoding, Cp737GreekRecheckedAsIso8859_7) {
  // "καλημέρα" in CP737 (uchardet has no CP737 model): re-encoded it must read as Greek.
  const std::string text = "\xA1\x98\xA2\x9E\xA3\xE2\xA8\x98\n";
  std::string recoded;
  const auto choice = choose_encoding(text, "auto", [&](std::string_view bytes) -> std::string {
    if (bytes == text) return "";
    recoded = std::string(bytes);
    return "ISO-8859-7";
  });
  EXPECT_EQ(choice.charset, "CP737");
  EXPECT_EQ(recoded, "\xEA\xE1\xEB\xE7\xEC\xDD\xF1\xE1\n");
  EXPECT_EQ(decode_with(choice, text), U"\u03BA\u03B1\u03BB\u03B7\u03BC\u03AD\u03C1\u03B1\n");
}

TEST(ChooseEncoding, ForcedEncodingWins) {
  const auto choice = choose_encoding("\xC1\xC2", "cp1251", says("WINDOWS-1252"));
  EXPECT_EQ(choice.method, "option");
  EXPECT_EQ(decode_with(choice, "\xC1\xC2"), U"\u0411\u0412");
  const auto utf16 = choose_encoding(std::string("h\0i\0", 4), "utf-16le");
  EXPECT_EQ(utf16.encoding, TextEncoding::kUtf16Le);
  EXPECT_THROW((void)choose_encoding(std::string("a\0b", 3), "cp1251"), Error);
}

TEST(KnownEncoding, IconvNamesAndAuto) {
  EXPECT_TRUE(is_known_encoding("auto"));
  EXPECT_TRUE(is_known_encoding("Shift_JIS"));
  EXPECT_TRUE(is_known_encoding("cp437"));
  EXPECT_FALSE(is_known_encoding("klingon-8"));
  EXPECT_FALSE(is_known_encoding("utf-8//TRANSLIT"));
}

TEST(IconvDecoder, InvalidBytesAndCutSequences) {
  IconvDecoder decoder("SHIFT_JIS");
  std::u32string out;
  decoder.decode("a\x93", false, out);  // the lead byte waits for its trail byte
  decoder.decode(
      "\xFA"
      "b\x93",
      true, out);
  EXPECT_EQ(out, U"a\u65E5b\uFFFD");
  EXPECT_EQ(decoder.replaced(), 1u);
}

}  // namespace
}  // namespace txt2pdf
