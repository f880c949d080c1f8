// The pure font plumbing: /DW and /W runs, the CIDToGIDMap's bytes, the ToUnicode CMap's blocks,
// the 'head' and 'post' fields (hand-made tables, and DejaVu Sans Mono's own), UTF-16BE strings.
#include "txt2pdf/render/font_tables.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace txt2pdf {
namespace {

TEST(CidWidths, TheMostCommonWidthIsTheDefaultAndRunsNeverSpanAGap) {
  // Four 600-wide Latin letters, a combining mark, two adjacent 1200-wide ideographs, one more
  // 1200 after a gap.
  const auto widths = cid_widths({{U'A', 600},
                                  {U'B', 600},
                                  {U'C', 600},
                                  {U'E', 600},
                                  {0x0301, 0},
                                  {0x4E16, 1200},
                                  {0x4E17, 1200},
                                  {0x4E19, 1200}});
  EXPECT_EQ(widths.default_width, 600);
  ASSERT_EQ(widths.runs.size(), 3u) << "0x0301, 0x4E16..0x4E17, 0x4E19";
  EXPECT_EQ(widths.runs[0].first, 0x0301u);
  EXPECT_EQ(widths.runs[0].width, 0);
  EXPECT_EQ(widths.runs[1].first, 0x4E16u);
  EXPECT_EQ(widths.runs[1].last, 0x4E17u);
  EXPECT_EQ(widths.runs[1].width, 1200);
  EXPECT_EQ(widths.runs[2].first, 0x4E19u);
  EXPECT_EQ(widths.runs[2].last, 0x4E19u);
  EXPECT_TRUE(cid_widths({}).runs.empty());
}

TEST(CidWidths, AllOfOneWidthNeedsNoRun) {
  const auto widths = cid_widths({{0x3053, 1200}, {0x3093, 1200}, {0x4E16, 1200}});
  EXPECT_EQ(widths.default_width, 1200);
  EXPECT_TRUE(widths.runs.empty());
}

TEST(CidToGidMap, TwoBytesPerCidUpToTheLastWithZerosBetween) {
  EXPECT_EQ(cid_to_gid_map({{U' ', 3}, {U'A', 0x0102}}).size(), 2u * (U'A' + 1));
  const auto map = cid_to_gid_map({{1, 0x0102}, {3, 7}});
  EXPECT_EQ(map, std::string("\x00\x00\x01\x02\x00\x00\x00\x07", 8));
  EXPECT_EQ(cid_to_gid_map({}), std::string(2, '\0'));
}

TEST(ToUnicodeCmap, OneRangePerHighByteInBlocksOfAHundred) {
  std::vector<char32_t> used = {U'A', U'B', 0x4E2D};
  const auto two = identity_to_unicode_cmap(used);
  EXPECT_NE(two.find("2 beginbfrange\n<0000> <00FF> <0000>\n<4E00> <4EFF> <4E00>\nendbfrange"), std::string::npos);
  EXPECT_NE(two.find("/CMapType 2 def"), std::string::npos);
  used.clear();
  for (char32_t high = 0; high < 150; ++high) used.push_back(high * 256 + 1);
  const auto many = identity_to_unicode_cmap(used);
  EXPECT_NE(many.find("100 beginbfrange"), std::string::npos);
  EXPECT_NE(many.find("50 beginbfrange"), std::string::npos);
}

std::string table_with(std::size_t size, std::size_t at, std::initializer_list<unsigned char> bytes) {
  std::string table(size, '\0');
  for (const auto byte : bytes) table[at++] = static_cast<char>(byte);
  return table;
}

TEST(HeadTable, BoundingBoxIsSignedAndNeedsTheMagicNumber) {
  auto head = table_with(54, 12, {0x5F, 0x0F, 0x3C, 0xF5});
  head.replace(36, 8, std::string("\xFF\x38\xFE\x0C\x07\xD0\x08\x00", 8));  // -200 -500 2000 2048
  EXPECT_EQ(head_bounding_box(head), (std::array<int, 4>{-200, -500, 2000, 2048}));
  EXPECT_EQ(head_bounding_box(head.substr(0, 53)), std::nullopt);
  head[12] = 0;
  EXPECT_EQ(head_bounding_box(head), std::nullopt);
}

TEST(PostTable, FixedPitchIsAnyNonZeroValue) {
  EXPECT_TRUE(post_is_fixed_pitch(table_with(32, 15, {1})));
  EXPECT_FALSE(post_is_fixed_pitch(table_with(32, 0, {})));
  EXPECT_FALSE(post_is_fixed_pitch(table_with(15, 0, {})));
}

// The real file: DejaVu Sans Mono is fixed pitch, and its box (font units, 2048 per em) holds
// both ascenders and descenders.
TEST(HeadTable, DejaVuSansMonoAsShipped) {
  std::ifstream in("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", std::ios::binary);
  if (!in) GTEST_SKIP() << "fonts-dejavu-core is not installed";
  const std::string font(std::istreambuf_iterator<char>(in), {});
  // The table directory: 12 bytes, then 16 per table (tag, checksum, offset, length).
  auto table = [&font](const char* tag) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(font.data());
    const unsigned count = (bytes[4] << 8) | bytes[5];
    for (unsigned i = 0; i < count; ++i) {
      const auto* record = bytes + 12 + 16 * i;
      auto be32 = [](const unsigned char* b) { return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]; };
      if (std::string(reinterpret_cast<const char*>(record), 4) == tag)
        return font.substr(static_cast<std::size_t>(be32(record + 8)), static_cast<std::size_t>(be32(record + 12)));
    }
    return std::string();
  };
  const auto box = head_bounding_box(table("head"));
  ASSERT_TRUE(box.has_value());
  EXPECT_LT((*box)[1], 0);
  EXPECT_GT((*box)[3], 1500);
  EXPECT_TRUE(post_is_fixed_pitch(table("post")));
}

TEST(Utf16, BomThenBigEndianUnitsWithSurrogatePairs) {
  EXPECT_EQ(utf16be_with_bom("A\xC3\xA9\xE6\xBC\xA2\xF0\x9F\x98\x80"),
            std::string("\xFE\xFF\x00\x41\x00\xE9\x6F\x22\xD8\x3D\xDE\x00", 12));
}

}  // namespace
}  // namespace txt2pdf
