// FontFace over the fonts Debian ships: glyphs through the font's cmap, the descriptor's metrics
// (fixed pitch, slant, weight, box), one face per file per process, and clear errors for files
// that are missing or no font.
#include "txt2pdf/render/font_face.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

constexpr const char* kDejaVuMono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
constexpr const char* kDejaVuMonoBoldOblique = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-BoldOblique.ttf";
constexpr const char* kDroidSansFallback = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf";

bool exists(const char* path) { return std::ifstream(path).good(); }

TEST(FontFace, LooksGlyphsUpThroughTheFontsCmap) {
  if (!exists(kDejaVuMono)) GTEST_SKIP() << "fonts-dejavu-core is not installed";
  const auto face = FontFace::open(kDejaVuMono);
  EXPECT_NE(face->glyph(U'A'), 0);
  EXPECT_NE(face->glyph(U'A'), face->glyph(U'B'));
  EXPECT_NE(face->glyph(0x0416), 0);  // Cyrillic Zhe
  EXPECT_EQ(face->glyph(0x4E16), 0);  // no ideographs in DejaVu
  EXPECT_EQ(face->glyph(0x1F600), 0);
  EXPECT_GT(face->bytes().size(), 100000u);
  EXPECT_EQ(face->bytes().substr(0, 4), std::string("\x00\x01\x00\x00", 4));  // a TrueType file
}

TEST(FontFace, MetricsOfARegularMonospacedFont) {
  if (!exists(kDejaVuMono)) GTEST_SKIP() << "fonts-dejavu-core is not installed";
  const auto& metrics = FontFace::open(kDejaVuMono)->metrics();
  EXPECT_EQ(metrics.postscript_name, "DejaVuSansMono");
  EXPECT_TRUE(metrics.fixed_pitch);
  EXPECT_EQ(metrics.weight, 400);
  EXPECT_EQ(metrics.italic_angle, 0);
  // 1/1000 em: DejaVu's hhea ascender and descender are 1901 and -483 of 2048 units. Its OS/2
  // table (version 1) states no cap height or x-height: HarfBuzz measures the outlines instead.
  EXPECT_EQ(metrics.ascent, 928);
  EXPECT_EQ(metrics.descent, -236);
  EXPECT_GT(metrics.cap_height, 700);
  EXPECT_LT(metrics.cap_height, 760);
  EXPECT_GT(metrics.x_height, 400);
  EXPECT_LT(metrics.x_height, metrics.cap_height);
  EXPECT_LT(metrics.bounding_box[0], 0);
  EXPECT_LT(metrics.bounding_box[1], metrics.descent + 1);
  EXPECT_GT(metrics.bounding_box[3], metrics.ascent - 1);
}

TEST(FontFace, BoldObliqueIsHeavyAndLeansRight) {
  if (!exists(kDejaVuMonoBoldOblique)) GTEST_SKIP() << "fonts-dejavu-extra is not installed";
  const auto& metrics = FontFace::open(kDejaVuMonoBoldOblique)->metrics();
  EXPECT_EQ(metrics.postscript_name, "DejaVuSansMono-BoldOblique");
  EXPECT_EQ(metrics.weight, 700);
  EXPECT_LT(metrics.italic_angle, -5);
}

TEST(FontFace, CjkFallbackHasKanaAndIdeographs) {
  if (!exists(kDroidSansFallback)) GTEST_SKIP() << "fonts-droid-fallback is not installed";
  const auto face = FontFace::open(kDroidSansFallback);
  EXPECT_NE(face->glyph(0x3053), 0);  // hiragana ko
  EXPECT_NE(face->glyph(0x4E16), 0);
  EXPECT_EQ(face->metrics().postscript_name, "DroidSansFallback");
}

TEST(FontFace, OneFacePerFileForTheWholeProcess) {
  if (!exists(kDejaVuMono)) GTEST_SKIP() << "fonts-dejavu-core is not installed";
  EXPECT_EQ(FontFace::open(kDejaVuMono), FontFace::open(kDejaVuMono));
}

TEST(FontFace, AMissingFileOrOneThatIsNoFontIsAnErrorNamingIt) {
  const std::string missing = "/nonexistent/font.ttf";
  try {
    (void)FontFace::open(missing);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kTransient);
    EXPECT_NE(std::string(error.what()).find(missing), std::string::npos);
  }
  const std::string junk = ::testing::TempDir() + "not_a_font_" + std::to_string(::getpid()) + ".ttf";
  std::ofstream(junk) << std::string(4096, 'x');
  try {
    (void)FontFace::open(junk);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInternal);
    EXPECT_NE(std::string(error.what()).find("no glyphs"), std::string::npos);
  }
  std::remove(junk.c_str());
}

}  // namespace
}  // namespace txt2pdf
