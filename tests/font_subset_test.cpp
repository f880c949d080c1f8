// subset_truetype keeps glyph ids (the CIDToGIDMap relies on them), makes a font HarfBuzz reads
// back, is far smaller than the font, and refuses bytes that are no font.
#include "txt2pdf/font_subset.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "txt2pdf/dynamic_libraries.hpp"
#include "txt2pdf/error.hpp"

namespace txt2pdf {
namespace {

constexpr const char* kDejaVuMono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned glyph_count(const std::string& font) {
  const auto& hb = harfbuzz_subset_api();
  std::unique_ptr<hb_blob_t, decltype(hb.blob_destroy)> blob(
      hb.blob_create(font.data(), static_cast<unsigned>(font.size()), HB_MEMORY_MODE_READONLY, nullptr, nullptr),
      hb.blob_destroy);
  std::unique_ptr<hb_face_t, decltype(hb.face_destroy)> face(hb.face_create(blob.get(), 0), hb.face_destroy);
  return hb.face_get_glyph_count(face.get());
}

TEST(FontSubset, KeepsGlyphIdsAndShrinksTheFont) {
  const auto font = read_file(kDejaVuMono);
  ASSERT_GT(font.size(), 100000u);
  const unsigned glyphs = glyph_count(font);
  ASSERT_GT(glyphs, 2000u);
  // Glyphs 36..40 and the characters they usually stand for; ids are kept whatever they are.
  const auto subset = subset_truetype(font, {36, 37, 38, 39, 40}, {U'A', U'B', U'C'});
  EXPECT_LT(subset.size(), font.size() / 10);
  // Retained ids: the subset has as many glyph slots as the highest id kept needs.
  const unsigned kept = glyph_count(subset);
  EXPECT_GE(kept, 41u);
  EXPECT_LE(kept, glyphs);
  // More glyphs, more bytes: the outlines are really in it.
  std::vector<std::uint16_t> many;
  for (std::uint16_t gid = 36; gid < 400; ++gid) many.push_back(gid);
  EXPECT_GT(subset_truetype(font, many, {}).size(), subset.size() + 5000);
}

TEST(FontSubset, BytesThatAreNoFontAreAnError) {
  try {
    static_cast<void>(subset_truetype(std::string(4096, 'x'), {1, 2, 3}, {U'a'}));
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInternal);
  }
}

}  // namespace
}  // namespace txt2pdf
