// The pure font plumbing: format 4 look-ups by delta and through glyphIdArray, composite glyph
// components for each argument/scale layout, the ToUnicode CMap's blocks, UTF-16BE strings.
#include "txt2pdf/render/font_tables.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace txt2pdf {
namespace {

// Three segments: U+0020..U+007E by delta (glyph = cp - 29), U+4E00..U+4E02 through
// glyphIdArray (with delta 10 added to non-zero entries), and the closing 0xFFFF segment.
struct SampleCmap {
  std::uint16_t end[3] = {0x7E, 0x4E02, 0xFFFF};
  std::uint16_t start[3] = {0x20, 0x4E00, 0xFFFF};
  std::int16_t delta[3] = {-29, 10, 1};
  // Segment 1's entry is 2 entries before the end of idRangeOffset (seg 1 of 3), so offset 4
  // bytes reaches glyphIdArray[0].
  std::uint16_t range[3] = {0, 4, 0};
  std::uint16_t glyphs[3] = {500, 0, 700};
  Format4Cmap view() { return {end, start, delta, range, 3, glyphs, 3}; }
};

TEST(Format4Cmap, DeltaSegmentsGlyphArraysAndGaps) {
  SampleCmap sample;
  const auto cmap = sample.view();
  EXPECT_EQ(format4_glyph(cmap, U'A'), 65 - 29);
  EXPECT_EQ(format4_glyph(cmap, U' '), 3);
  EXPECT_EQ(format4_glyph(cmap, 0x7F), 0);      // between segments
  EXPECT_EQ(format4_glyph(cmap, 0x1F), 0);      // before the first
  EXPECT_EQ(format4_glyph(cmap, 0x4E00), 510);  // glyphIdArray[0] + delta
  EXPECT_EQ(format4_glyph(cmap, 0x4E01), 0);    // a zero entry stays "no glyph"
  EXPECT_EQ(format4_glyph(cmap, 0x4E02), 710);
  EXPECT_EQ(format4_glyph(cmap, 0xFFFF), 0);              // 0xFFFF + 1 wraps to 0
  EXPECT_EQ(format4_glyph(cmap, 0x1F600), std::nullopt);  // beyond the BMP: not this table's
}

TEST(Format4Cmap, DeltaArithmeticWrapsModulo65536) {
  SampleCmap sample;
  sample.delta[0] = 0x7000;  // U+0041 + 0x7000
  EXPECT_EQ(format4_glyph(sample.view(), U'A'), 0x7041);
  sample.delta[0] = static_cast<std::int16_t>(-0x41);
  EXPECT_EQ(format4_glyph(sample.view(), U'A'), 0);
}

TEST(Format4Cmap, TableWithoutTheClosingSegmentIsNotSearched) {
  SampleCmap sample;
  sample.end[2] = 0xFFFE;
  EXPECT_EQ(format4_glyph(sample.view(), U'A'), std::nullopt);
  Format4Cmap empty{nullptr, nullptr, nullptr, nullptr, 0, nullptr, 0};
  EXPECT_EQ(format4_glyph(empty, U'A'), std::nullopt);
}

TEST(Format4Cmap, GlyphArrayIndexPastItsEndIsNoGlyph) {
  SampleCmap sample;
  sample.range[1] = 40;  // points 18 entries past glyphIdArray's 3
  EXPECT_EQ(format4_glyph(sample.view(), 0x4E00), 0);
}

std::vector<unsigned char> composite(std::initializer_list<std::vector<unsigned char>> components) {
  std::vector<unsigned char> glyph = {0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0};  // -1 contours, bbox
  for (const auto& component : components) glyph.insert(glyph.end(), component.begin(), component.end());
  return glyph;
}

TEST(CompositeGlyph, ComponentsForEachArgumentAndScaleLayout) {
  // flags (MORE_COMPONENTS | ARG_1_AND_2_ARE_WORDS), glyph 5, two 16-bit arguments;
  // flags (MORE_COMPONENTS | WE_HAVE_A_SCALE), glyph 0x0107, two bytes, F2Dot14 scale;
  // flags (MORE_COMPONENTS | WE_HAVE_AN_X_AND_Y_SCALE), glyph 9, two bytes, two scales;
  // flags (WE_HAVE_A_TWO_BY_TWO), glyph 11, two bytes, four values: the last.
  const auto glyph = composite({{0x00, 0x21, 0x00, 0x05, 1, 2, 3, 4},
                                {0x00, 0x28, 0x01, 0x07, 1, 2, 0x40, 0},
                                {0x00, 0x60, 0x00, 0x09, 1, 2, 0x40, 0, 0x40, 0},
                                {0x00, 0x80, 0x00, 0x0B, 1, 2, 0x40, 0, 0, 0, 0, 0, 0x40, 0}});
  EXPECT_EQ(composite_components(glyph.data(), glyph.size()), (std::vector<std::uint16_t>{5, 0x107, 9, 11}));
}

TEST(CompositeGlyph, SimpleEmptyAndTruncatedGlyphs) {
  const std::vector<unsigned char> simple = {0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 7};
  EXPECT_TRUE(composite_components(simple.data(), simple.size()).empty());
  EXPECT_TRUE(composite_components(simple.data(), 0).empty());
  // MORE_COMPONENTS promised, but the bytes end after the first component.
  const auto glyph = composite({{0x00, 0x21, 0x00, 0x05, 1, 2, 3, 4}, {0x00}});
  EXPECT_EQ(composite_components(glyph.data(), glyph.size()), (std::vector<std::uint16_t>{5}));
}

TEST(ToUnicodeCmap, OneRangePerHighByteInBlocksOfAHundred) {
  std::vector<std::int16_t> used(0x10000, -1);
  used[U'A'] = 600;
  used[0x4E2D] = 1200;
  const auto two = identity_to_unicode_cmap(used);
  EXPECT_NE(two.find("2 beginbfrange\n<0000> <00FF> <0000>\n<4E00> <4EFF> <4E00>\nendbfrange"), std::string::npos);
  EXPECT_NE(two.find("/CMapType 2 def"), std::string::npos);
  for (unsigned high = 0; high < 150; ++high) used[high * 256 + 1] = 600;
  const auto many = identity_to_unicode_cmap(used);
  EXPECT_NE(many.find("100 beginbfrange"), std::string::npos);
  EXPECT_NE(many.find("50 beginbfrange"), std::string::npos);  // 150 high bytes, 0x4E among them
}

TEST(Utf16, BomThenBigEndianUnitsWithSurrogatePairs) {
  EXPECT_EQ(utf16be_with_bom("A\xC3\xA9\xE6\xBC\xA2\xF0\x9F\x98\x80"),
            std::string("\xFE\xFF\x00\x41\x00\xE9\x6F\x22\xD8\x3D\xDE\x00", 12));
}

}  // namespace
}  // namespace txt2pdf
