// subset_truetype tells where each glyph went (the CIDToGIDMap relies on it), makes a font
// HarfBuzz reads back, is far smaller than the font, is the same planned from characters, and
// refuses bytes that are no font.
#include "txt2pdf/render/font_subset.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "render/harfbuzz_api.hpp"
#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

constexpr const char* kDejaVuMono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned glyph_count(const std::string& font) {
  const auto& hb = harfbuzz_api();
  std::unique_ptr<hb_blob_t, decltype(hb.blob_destroy)> blob(
      hb.blob_create(font.data(), static_cast<unsigned>(font.size()), HB_MEMORY_MODE_READONLY, nullptr, nullptr),
      hb.blob_destroy);
  std::unique_ptr<hb_face_t, decltype(hb.face_destroy)> face(hb.face_create(blob.get(), 0), hb.face_destroy);
  return hb.face_get_glyph_count(face.get());
}

TEST(FontSubset, RenumbersTheGlyphsAskedForAndShrinksTheFont) {
  const auto font = read_file(kDejaVuMono);
  ASSERT_GT(font.size(), 100000u);
  ASSERT_GT(glyph_count(font), 2000u);
  const auto subset = subset_truetype(font, {0, 36, 37, 38, 500});
  EXPECT_LT(subset.font.size(), font.size() / 10);
  // .notdef stays 0; the others get distinct new ids in the subset's range (components of
  // composite glyphs may add more glyphs, never fewer).
  ASSERT_EQ(subset.glyph_ids.size(), 5u);
  EXPECT_EQ(subset.glyph_ids[0], 0);
  const unsigned kept = glyph_count(subset.font);
  EXPECT_GE(kept, 5u);
  for (std::size_t i = 1; i < 5; ++i) {
    EXPECT_GT(subset.glyph_ids[i], 0);
    EXPECT_LT(subset.glyph_ids[i], kept);
    for (std::size_t j = 1; j < i; ++j) EXPECT_NE(subset.glyph_ids[i], subset.glyph_ids[j]);
  }
  // More glyphs, more bytes: the outlines are really in it.
  std::vector<std::uint16_t> many;
  for (std::uint16_t gid = 36; gid < 400; ++gid) many.push_back(gid);
  EXPECT_GT(subset_truetype(font, many).font.size(), subset.font.size() + 5000);
}

// Planned from the characters (the fast path) the subset is the same; a glyph the characters do
// not reach (500 is no letter's) is still kept, by id.
TEST(FontSubset, CharactersGiveTheSameSubsetAndGlyphsTheyMissAreKeptById) {
  const auto font = read_file(kDejaVuMono);
  const std::vector<std::uint16_t> letters = {0, 36, 37, 38};  // .notdef, A, B, C
  const auto by_id = subset_truetype(font, letters);
  const auto by_character = subset_truetype(font, letters, {U'A', U'B', U'C'});
  EXPECT_EQ(by_character.glyph_ids, by_id.glyph_ids);
  EXPECT_EQ(glyph_count(by_character.font), glyph_count(by_id.font));
  const auto with_other = subset_truetype(font, {0, 36, 37, 38, 500}, {U'A', U'B', U'C'});
  ASSERT_EQ(with_other.glyph_ids.size(), 5u);
  EXPECT_EQ(glyph_count(with_other.font), glyph_count(by_id.font) + 1);
  EXPECT_NE(with_other.glyph_ids[4], 0);
}

TEST(FontSubset, BytesThatAreNoFontAreAnError) {
  try {
    static_cast<void>(subset_truetype(std::string(4096, 'x'), {1, 2, 3}));
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInternal);
  }
}

}  // namespace
}  // namespace txt2pdf
