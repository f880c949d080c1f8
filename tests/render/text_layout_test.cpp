// Layout: rows, wrapping, truncation, tabs, wide characters, controls, form feeds, page counts.
#include "txt2pdf/render/text_layout.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace txt2pdf {
namespace {

struct Recorded {
  int page;
  LayoutRow row;
};

class RecordingSink final : public LayoutSink {
 public:
  void begin_page(int page) override { pages.push_back(page); }
  void row(const LayoutRow& row) override { rows.push_back({pages.empty() ? 0 : pages.back(), row}); }
  std::vector<int> pages;
  std::vector<Recorded> rows;
};

RecordingSink lay_out(std::u32string_view text, LayoutOptions options) {
  RecordingSink sink;
  Layout layout(options, sink);
  layout.feed(text);
  layout.finish();
  EXPECT_EQ(layout.pages(), sink.pages.empty() ? 0 : sink.pages.back());
  return sink;
}

LayoutOptions grid(int columns, int lines) {
  LayoutOptions options;
  options.columns = columns;
  options.lines_per_page = lines;
  return options;
}

TEST(Width, WcwidthRules) {
  EXPECT_EQ(char_width(U'a'), 1);
  EXPECT_EQ(char_width(U'\u00E9'), 1);
  EXPECT_EQ(char_width(U'\u0301'), 0);  // combining acute
  EXPECT_EQ(char_width(U'\u4E2D'), 2);
  EXPECT_EQ(char_width(U'\uAC00'), 2);
  EXPECT_EQ(char_width(U'\uFF21'), 2);  // fullwidth A
  EXPECT_EQ(char_width(U'\U0001F600'), 2);
  EXPECT_EQ(char_width(U'\u0416'), 1);  // Cyrillic
  EXPECT_TRUE(is_right_to_left(U'\u05D0'));
  EXPECT_TRUE(is_right_to_left(U'\u0627'));
  EXPECT_FALSE(is_right_to_left(U'a'));
}

TEST(Layout, LineEndsLfCrCrlfAcrossCalls) {
  RecordingSink sink;
  Layout layout(grid(10, 10), sink);
  layout.feed(U"a\r");
  layout.feed(U"\nb\rc\nd");
  layout.finish();
  ASSERT_EQ(sink.rows.size(), 4u);
  EXPECT_EQ(sink.rows[0].row.text, U"a");
  EXPECT_EQ(sink.rows[1].row.text, U"b");
  EXPECT_EQ(sink.rows[2].row.text, U"c");
  EXPECT_EQ(sink.rows[3].row.text, U"d");
  EXPECT_EQ(sink.rows[3].row.source_line, 4u);
  EXPECT_EQ(layout.source_lines(), 4u);
}

TEST(Layout, EmptyInputIsOneEmptyPage) {
  const auto sink = lay_out(U"", grid(10, 10));
  EXPECT_EQ(sink.pages, std::vector<int>{1});
  EXPECT_TRUE(sink.rows.empty());
}

TEST(Layout, WrapsAtTheMarginAndMarksContinuations) {
  const auto sink = lay_out(U"abcdefghij\n", grid(4, 10));
  ASSERT_EQ(sink.rows.size(), 3u);
  EXPECT_EQ(sink.rows[0].row.text, U"abcd");
  EXPECT_TRUE(sink.rows[0].row.continues);
  EXPECT_FALSE(sink.rows[0].row.continuation);
  EXPECT_EQ(sink.rows[1].row.text, U"efgh");
  EXPECT_TRUE(sink.rows[1].row.continuation);
  EXPECT_EQ(sink.rows[2].row.text, U"ij");
  EXPECT_FALSE(sink.rows[2].row.continues);
  EXPECT_EQ(sink.rows[2].row.source_line, 1u);
}

TEST(Layout, ExactlyFullLineDoesNotWrap) {
  const auto sink = lay_out(U"abcd\nef", grid(4, 10));
  ASSERT_EQ(sink.rows.size(), 2u);
  EXPECT_FALSE(sink.rows[0].row.continues);
}

TEST(Layout, TruncateCutsAndMarks) {
  LayoutOptions options = grid(4, 10);
  options.wrap = false;
  const auto sink = lay_out(U"abcdefgh\nxy\n", options);
  ASSERT_EQ(sink.rows.size(), 2u);
  EXPECT_EQ(sink.rows[0].row.text, U"abcd");
  EXPECT_TRUE(sink.rows[0].row.truncated);
  EXPECT_EQ(sink.rows[1].row.text, U"xy");
  EXPECT_FALSE(sink.rows[1].row.truncated);
}

TEST(Layout, TabsGoToTabStops) {
  LayoutOptions options = grid(40, 10);
  options.tab_width = 4;
  const auto sink = lay_out(U"a\tb\n\tc\nabcd\te\n", options);
  EXPECT_EQ(sink.rows[0].row.text, U"a   b");
  EXPECT_EQ(sink.rows[1].row.text, U"    c");
  EXPECT_EQ(sink.rows[2].row.text, U"abcd    e");
}

TEST(Layout, TabStopsCountFromTheSourceLineAcrossWraps) {
  LayoutOptions options = grid(6, 10);
  options.tab_width = 4;
  // "abcdef" fills row 1; the tab at logical column 6 goes to 8: two spaces on row 2.
  const auto sink = lay_out(U"abcdef\tx\n", options);
  ASSERT_EQ(sink.rows.size(), 2u);
  EXPECT_EQ(sink.rows[1].row.text, U"  x");
}

TEST(Layout, WideCharactersTakeTwoColumnsAndWrapWhole) {
  // 5 columns: "a" + two wide characters = 5; the third wide one does not fit.
  const auto sink = lay_out(U"a\u4E2D\u6587\u5B57\n", grid(5, 10));
  ASSERT_EQ(sink.rows.size(), 2u);
  EXPECT_EQ(sink.rows[0].row.text, U"a\u4E2D\u6587");
  EXPECT_EQ(sink.rows[1].row.text, U"\u5B57");
  // 4 columns: "a" + one wide (3 columns), the next wide one would need 5.
  const auto narrow = lay_out(U"a\u4E2D\u6587\n", grid(4, 10));
  EXPECT_EQ(narrow.rows[0].row.text, U"a\u4E2D");
}

TEST(Layout, CombiningMarksTakeNoColumn) {
  const auto sink = lay_out(U"e\u0301e\u0301e\u0301\n", grid(3, 10));
  ASSERT_EQ(sink.rows.size(), 1u);
}

TEST(Layout, ControlsAreVisible) {
  const auto sink = lay_out(U"a\x01z\x1B[0m\x7F\u009B\n", grid(40, 10));
  EXPECT_EQ(sink.rows[0].row.text, U"a^Az^[[0m^?<9B>");
}

TEST(Layout, FormFeedStartsANewPage) {
  const auto sink = lay_out(U"one\n\ftwo\nthree\fuse\n", grid(10, 10));
  EXPECT_EQ(sink.pages, (std::vector<int>{1, 2, 3}));
  ASSERT_EQ(sink.rows.size(), 4u);
  EXPECT_EQ(sink.rows[0].page, 1);
  EXPECT_EQ(sink.rows[1].page, 2);
  EXPECT_EQ(sink.rows[1].row.text, U"two");
  EXPECT_EQ(sink.rows[2].page, 2);
  EXPECT_EQ(sink.rows[3].page, 3);
  EXPECT_EQ(sink.rows[3].row.text, U"use");
}

TEST(Layout, DoubleFormFeedGivesABlankPageButTrailingOneNone) {
  EXPECT_EQ(lay_out(U"a\n\f\fb\n", grid(10, 10)).pages.size(), 3u);
  EXPECT_EQ(lay_out(U"a\n\f", grid(10, 10)).pages.size(), 1u);
  EXPECT_EQ(lay_out(U"\fa\n", grid(10, 10)).pages.size(), 1u);
}

TEST(Layout, PageCountPrediction) {
  std::u32string text;
  for (int i = 0; i < 116; ++i) text += U"line\n";
  EXPECT_EQ(count_pages(text, grid(75, 58)), 2);
  text += U"x\n";
  EXPECT_EQ(count_pages(text, grid(75, 58)), 3);
  // One 150-character line wraps to two rows.
  EXPECT_EQ(count_pages(std::u32string(150, U'x') + U"\n", grid(75, 1)), 2);
  EXPECT_EQ(count_pages(std::u32string(151, U'x') + U"\n", grid(75, 1)), 3);
}

}  // namespace
}  // namespace txt2pdf
