// Decoding: encodings, BOMs, invalid sequences, binary refusal, streaming across chunk borders.
#include "txt2pdf/render/text_decode.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

std::u32string decode_all(std::string_view bytes, std::uint64_t* replaced = nullptr) {
  const auto sniffed = sniff_encoding(bytes);
  TextDecoder decoder(sniffed.encoding);
  std::u32string out;
  decoder.decode(bytes.substr(sniffed.bom_length), true, out);
  if (replaced != nullptr) *replaced = decoder.replaced();
  return out;
}

// Feeds one byte at a time: every sequence is split at every possible place.
std::u32string decode_bytewise(TextEncoding encoding, std::string_view bytes, std::uint64_t* replaced) {
  TextDecoder decoder(encoding);
  std::u32string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) decoder.decode(bytes.substr(i, 1), false, out);
  decoder.decode({}, true, out);
  *replaced = decoder.replaced();
  return out;
}

std::string read_file(const std::string& name) {
  std::ifstream in(std::string(TXT2PDF_TEST_DATA_DIR) + "/text/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Sniff, PlainUtf8WithoutBom) {
  const auto result = sniff_encoding("h\xC3\xA9llo \xCE\xA9\n");
  EXPECT_EQ(result.encoding, TextEncoding::kUtf8);
  EXPECT_EQ(result.bom_length, 0u);
}

TEST(Sniff, Boms) {
  EXPECT_EQ(sniff_encoding("\xEF\xBB\xBFx").bom_length, 3u);
  const auto le = sniff_encoding(std::string("\xFF\xFEh\0i\0", 6));
  EXPECT_EQ(le.encoding, TextEncoding::kUtf16Le);
  EXPECT_EQ(le.bom_length, 2u);
  EXPECT_EQ(sniff_encoding(std::string("\xFE\xFF\0h", 4)).encoding, TextEncoding::kUtf16Be);
}

TEST(Sniff, InvalidUtf8FallsBackToWindows1252) {
  EXPECT_EQ(sniff_encoding("caf\xE9 cr\xE8me \x80\n").encoding, TextEncoding::kWindows1252);
  EXPECT_EQ(decode_all("caf\xE9 \x80"), U"caf\u00E9 \u20AC");
}

TEST(Sniff, SequenceCutByTheSniffWindowIsStillUtf8) {
  std::string head(kSniffBytes - 1, 'a');
  head += "\xE2\x82\xAC";  // the euro sign straddles the 64 KB boundary
  EXPECT_EQ(sniff_encoding(head).encoding, TextEncoding::kUtf8);
}

TEST(Sniff, NulByteIsBinaryAndNamesTheOffset) {
  try {
    (void)sniff_encoding(std::string("abc\0def", 7));
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(error.what()).find("NUL byte at offset 3"), std::string::npos) << error.what();
  }
}

TEST(Sniff, ManyControlBytesAreBinary) {
  std::string head;
  for (int i = 0; i < 100; ++i) head += (i % 5 == 0) ? '\x01' : 'a';
  EXPECT_THROW((void)sniff_encoding(head), Error);
  // A few escape sequences (coloured logs) and controls are fine.
  EXPECT_NO_THROW((void)sniff_encoding("\x1B[31mred\x1B[0m and a bell \x07 in a long enough line\n"));
}

TEST(Sniff, NulInUtf16IsOnlyAFullNulUnit) {
  EXPECT_NO_THROW(
      (void)sniff_encoding(std::string("\xFF\xFE"
                                       "a\0b\0",
                                       6)));
  EXPECT_THROW((void)sniff_encoding(std::string("\xFF\xFE"
                                                "a\0\0\0",
                                                6)),
               Error);
}

TEST(Decode, InvalidUtf8BecomesReplacementAndIsCounted) {
  std::uint64_t replaced = 0;
  TextDecoder decoder(TextEncoding::kUtf8);
  std::u32string out;
  // Overlong '/', a surrogate, a stray continuation byte, a too-large code point.
  decoder.decode(
      "a\xC0\xAF"
      "b\xED\xA0\x80"
      "c\x80"
      "d\xF4\x90\x80\x80",
      true, out);
  replaced = decoder.replaced();
  EXPECT_EQ(out.find(U'a'), 0u);
  EXPECT_NE(out.find(U'd'), std::u32string::npos);
  EXPECT_GE(replaced, 4u);
  for (const char32_t cp : out) EXPECT_TRUE(cp == 0xFFFD || (cp >= U'a' && cp <= U'd'));
}

TEST(Decode, Utf8SplitAnywhereDecodesTheSame) {
  const std::string text = "A\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80Z";
  std::uint64_t replaced = 1;
  EXPECT_EQ(decode_bytewise(TextEncoding::kUtf8, text, &replaced), U"A\u00E9\u4E2D\U0001F600Z");
  EXPECT_EQ(replaced, 0u);
}

TEST(Decode, TruncatedSequenceAtTheEndIsReplaced) {
  std::uint64_t replaced = 0;
  EXPECT_EQ(decode_bytewise(TextEncoding::kUtf8, "ab\xE4\xB8", &replaced), U"ab\uFFFD");
  EXPECT_EQ(replaced, 1u);
}

TEST(Decode, Utf16BothOrdersWithSurrogatePairs) {
  std::uint64_t replaced = 1;
  const std::string le("h\0\x3D\xD8\x00\xDE", 6);  // "h" U+1F600
  EXPECT_EQ(decode_bytewise(TextEncoding::kUtf16Le, le, &replaced), U"h\U0001F600");
  EXPECT_EQ(replaced, 0u);
  const std::string be("\0h\xD8\x3D\xDE\x00\xDC\x00", 8);  // plus a lone low surrogate
  EXPECT_EQ(decode_bytewise(TextEncoding::kUtf16Be, be, &replaced), U"h\U0001F600\uFFFD");
  EXPECT_EQ(replaced, 1u);
}

TEST(Decode, Windows1252Table) {
  EXPECT_EQ(windows_1252_to_unicode(0x80), U'\u20AC');
  EXPECT_EQ(windows_1252_to_unicode(0x81), U'\uFFFD');
  EXPECT_EQ(windows_1252_to_unicode(0xE9), U'\u00E9');
  EXPECT_EQ(unicode_to_windows_1252(U'\u20AC'), 0x80);
  EXPECT_EQ(unicode_to_windows_1252(U'\u00FF'), 0xFF);
  EXPECT_EQ(unicode_to_windows_1252(U'\u0391'), 0);
}

TEST(Decode, FixtureFilesDecode) {
  std::uint64_t replaced = 1;
  const auto greek = decode_all(read_file("greek-utf16le.txt"), &replaced);
  EXPECT_NE(greek.find(U"\u039A\u03B1\u03BB\u03B7\u03BC\u03AD\u03C1\u03B1"), std::u32string::npos);
  EXPECT_EQ(replaced, 0u);
  const auto latin = read_file("latin1.txt");
  EXPECT_EQ(sniff_encoding(latin).encoding, TextEncoding::kWindows1252);
  EXPECT_NE(decode_all(latin).find(U"cr\u00E8me br\u00FBl\u00E9e"), std::u32string::npos);
}

}  // namespace
}  // namespace txt2pdf
