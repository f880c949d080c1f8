// Terminal output: SGR styles, line editing (CR, CHA, CUF, CUB, EL), dropped sequences, overstrike.
#include "txt2pdf/render/text_ansi.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace txt2pdf {
namespace {

struct Filtered {
  std::u32string text;
  std::vector<CellStyle> styles;
};

// Feeds `in` one character at a time (sequences split everywhere) unless `whole`.
Filtered run(std::u32string_view in, AnsiMode mode = AnsiMode::kRender, bool whole = false) {
  AnsiFilter filter(mode, 8, true);
  Filtered out;
  if (whole) {
    filter.feed(in, out.text, out.styles);
  } else {
    for (std::size_t i = 0; i < in.size(); ++i) filter.feed(in.substr(i, 1), out.text, out.styles);
  }
  filter.finish(out.text, out.styles);
  return out;
}

TEST(AnsiFilter, PlainTextPassesThroughWithoutStyles) {
  const auto out = run(U"plain text\nline two\n", AnsiMode::kRender, true);
  EXPECT_EQ(out.text, U"plain text\nline two\n");
  EXPECT_TRUE(out.styles.empty());
}

TEST(AnsiFilter, SgrColoursAndAttributes) {
  const auto out = run(U"\x1B[31mred\x1B[0m \x1B[1;38;5;208mor\x1B[0m \x1B[48;2;1;2;3mbg\x1B[m.\n");
  ASSERT_EQ(out.text, U"red or bg.\n");
  ASSERT_EQ(out.styles.size(), out.text.size());
  EXPECT_EQ(out.styles[0].foreground, 0xCD0000u);
  EXPECT_TRUE(out.styles[3].is_default());
  EXPECT_EQ(out.styles[4].foreground, ansi_palette(208));
  EXPECT_EQ(out.styles[4].flags, CellStyle::kBold);
  EXPECT_EQ(out.styles[7].background, 0x010203u);
  EXPECT_TRUE(out.styles[9].is_default());
}

TEST(AnsiFilter, PaletteCubeAndGreys) {
  EXPECT_EQ(ansi_palette(16), 0x000000u);
  EXPECT_EQ(ansi_palette(196), 0xFF0000u);
  EXPECT_EQ(ansi_palette(231), 0xFFFFFFu);
  EXPECT_EQ(ansi_palette(232), 0x080808u);
}

TEST(AnsiFilter, CarriageReturnKeepsTheLastStateOfTheLine) {
  EXPECT_EQ(run(U"10%\r20%\r100%\ndone\r\n").text, U"100%\ndone\n");
  // Erase in line and cursor to column.
  EXPECT_EQ(run(U"progress 50%\r\x1B[Kok\n").text, U"ok\n");
  EXPECT_EQ(run(U"abcdef\x1B[3Gxy\x1B[2Dz\n").text, U"abzyef\n");
}

TEST(AnsiFilter, OtherSequencesAreDropped) {
  EXPECT_EQ(run(U"\x1B]0;window title\x07"
                U"a\x1B[?25lb\x1B(Bc\x1B"
                U"7d\x1B]2;t\x1B\\e\x07\n")
                .text,
            U"abcde\n");
  EXPECT_EQ(run(U"\x1B[2J\x1B[Htop\n").text, U"top\n");
}

TEST(AnsiFilter, OverstrikeBoldAndUnderline) {
  const auto out = run(U"N\bNA\bAM\bME\bE _\bf_\bi_\bl_\be\n");
  ASSERT_EQ(out.text, U"NAME file\n");
  EXPECT_EQ(out.styles[0].flags, CellStyle::kBold);
  EXPECT_EQ(out.styles[3].flags, CellStyle::kBold);
  EXPECT_TRUE(out.styles[4].is_default());
  EXPECT_EQ(out.styles[5].flags, CellStyle::kUnderline);
  EXPECT_EQ(out.styles[8].flags, CellStyle::kUnderline);
}

TEST(AnsiFilter, StripDropsStylesAndShowKeepsEverything) {
  const auto stripped = run(U"\x1B[31mred\x1B[0m B\bB\n", AnsiMode::kStrip);
  EXPECT_EQ(stripped.text, U"red B\n");
  EXPECT_TRUE(stripped.styles.empty());
  EXPECT_EQ(run(U"\x1B[31mred\n", AnsiMode::kShow).text, U"\x1B[31mred\n");
}

TEST(AnsiFilter, TabsExpandOnTheEditedLine) { EXPECT_EQ(run(U"\x1B[1ma\tb\n").text, U"a       b\n"); }

TEST(AnsiFilter, CrAsLineEndWhenTheFileHasNoLf) {
  AnsiFilter filter(AnsiMode::kRender, 8, false);
  std::u32string text;
  std::vector<CellStyle> styles;
  filter.feed(U"one\rtwo\r", text, styles);
  filter.finish(text, styles);
  EXPECT_EQ(text, U"one\rtwo\r");
}

TEST(LongestLine, TabsAndWideCharacters) {
  EXPECT_EQ(longest_line_columns(U"ab\n\tx\n", 8), 9);
  EXPECT_EQ(longest_line_columns(U"\u65E5\u672C\n", 8), 4);
}

}  // namespace
}  // namespace txt2pdf
