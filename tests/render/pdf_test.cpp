// render_pdf end to end in process: page counts match the pure layout's prediction, the file
// appears only complete (rename), binary input leaves nothing behind, statistics are right.
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "render/fontconfig_api.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/fonts.hpp"
#include "txt2pdf/render/render.hpp"
#include "txt2pdf/render/render_writer.hpp"
#include "txt2pdf/render/text_decode.hpp"
#include "txt2pdf/render/text_layout.hpp"

namespace txt2pdf {
namespace {

namespace fs = std::filesystem;

class RenderPdf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pdf_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RenderStats render(const std::string& bytes, const RenderOptions& options, const std::string& name = "out.pdf") {
    const auto input = (dir_ / "in.txt").string();
    std::ofstream(input, std::ios::binary) << bytes;
    const int fd = ::open(input.c_str(), O_RDONLY);
    try {
      auto stats = render_pdf(fd, (dir_ / name).string(), options);
      ::close(fd);
      return stats;
    } catch (...) {
      ::close(fd);
      throw;
    }
  }

  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
};

std::u32string decode(const std::string& bytes) {
  TextDecoder decoder(TextEncoding::kUtf8);
  std::u32string out;
  decoder.decode(bytes, true, out);
  return out;
}

TEST_F(RenderPdf, PageCountMatchesTheLayoutPrediction) {
  std::string text;
  for (int i = 0; i < 500; ++i)
    text += "line " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 190), 'x') + "\n";
  text += "\f\fafter two form feeds\n";
  RenderOptions options;
  options.fit = Fit::kNone;  // the fixed grid (fit=auto: FitAuto below)
  const auto stats = render(text, options);
  const auto predicted = count_pages(decode(text), PageGeometry::from(options).layout(options));
  EXPECT_EQ(stats.pages, predicted);
  EXPECT_EQ(stats.lines, 501u);  // form feeds are not lines
  EXPECT_EQ(stats.input_bytes, text.size());
  const auto pdf = read("out.pdf");
  EXPECT_EQ(pdf.rfind("%PDF-1.", 0), 0u);
  EXPECT_NE(pdf.find("%%EOF", pdf.size() - 16), std::string::npos);
  EXPECT_EQ(stats.output_bytes, pdf.size());
  // The PDF has the mode of any new file (not the temporary file's 0600).
  const mode_t umask_bits = ::umask(0);
  ::umask(umask_bits);
  EXPECT_EQ(fs::status(dir_ / "out.pdf").permissions(), static_cast<fs::perms>(0666 & ~umask_bits));
  // The default grid holds 80-column text: 61 rows of 81 columns on A4, 57 of 84 on Letter.
  const auto layout = PageGeometry::from(options).layout(options);
  EXPECT_EQ(layout.columns, 81);
  EXPECT_EQ(layout.lines_per_page, 61);
  options.paper = Paper::kLetter;
  EXPECT_EQ(PageGeometry::from(options).layout(options).columns, 84);
  EXPECT_EQ(PageGeometry::from(options).layout(options).lines_per_page, 57);
}

TEST(FitAuto, EightyColumnsStayPortraitAndReportsGoLandscape) {
  RenderOptions options;
  EXPECT_EQ(fitted_options(options, 80).font_size, 10);
  EXPECT_FALSE(fitted_options(options, 80).landscape);
  for (const auto paper : {Paper::kA4, Paper::kLetter}) {
    options.paper = paper;
    const auto wide = fitted_options(options, 132);
    EXPECT_TRUE(wide.landscape);
    EXPECT_GE(wide.font_size, 8);
    EXPECT_GE(PageGeometry::from(wide).layout(wide).columns, 132);
    EXPECT_NEAR(wide.leading, wide.font_size * 1.2, 0.01);
  }
  options.paper = Paper::kA4;
  const auto hundred = fitted_options(options, 100);  // portrait at a smaller size
  EXPECT_FALSE(hundred.landscape);
  EXPECT_GE(PageGeometry::from(hundred).layout(hundred).columns, 100);
  EXPECT_EQ(fitted_options(options, 1000).font_size, 10);  // unreadable: wrap instead
  options.fit = Fit::kNone;
  EXPECT_FALSE(fitted_options(options, 132).landscape);
  options.fit = Fit::kAuto;
  options.font_size_given = true;
  EXPECT_FALSE(fitted_options(options, 132).landscape);
}

TEST_F(RenderPdf, TwoUpPutsTwoLayoutPagesOnASheet) {
  RenderOptions options;
  options.two_up = true;
  std::string text;
  for (int i = 0; i < 200; ++i) text += "row\n";
  const auto stats = render(text, options);
  const int logical = count_pages(decode(text), PageGeometry::from(options).layout(options));
  EXPECT_EQ(stats.pages, (logical + 1) / 2);
}

TEST_F(RenderPdf, AsciiNeedsNoEmbeddedFont) {
  const auto stats = render("plain ASCII\n", RenderOptions{});
  ASSERT_EQ(stats.fonts.size(), 1u);
  EXPECT_EQ(stats.fonts[0], "Courier");
  EXPECT_EQ(stats.encoding, "utf-8");
}

TEST_F(RenderPdf, MissingGlyphsAndRightToLeftAreCounted) {
  const auto stats = render("emoji \xF0\x9F\x98\x80 pua \xEE\x80\x80 hebrew \xD7\xA9\xD7\x9C\n", RenderOptions{});
  EXPECT_EQ(stats.missing_glyphs, 2u);
  EXPECT_EQ(stats.rtl_characters, 2u);
  EXPECT_EQ(stats.fonts.size(), 2u) << "DejaVu Sans Mono plus a fallback with Hebrew";
}

// Kana, kanji and CJK punctuation all come from Droid Sans Fallback at Debian's path: one
// fallback font, and fontconfig (its configuration and caches: most of a short file's time) is
// never opened.
TEST_F(RenderPdf, JapaneseTakesTheKnownFallbackWithoutFontconfig) {
  const auto fallback = known_fallback_font(U'\u4E16');
  if (!fallback) GTEST_SKIP() << "fonts-droid-fallback is not installed";
  void* loaded = dlopen(kFontconfigLibrary, RTLD_NOW | RTLD_NOLOAD);
  if (loaded != nullptr) {
    dlclose(loaded);
    GTEST_SKIP() << "an earlier test in this process opened fontconfig (ctest runs each test alone)";
  }
  const auto stats = render("\xE3\x81\x93\xE3\x82\x93\xE4\xB8\x96\xE7\x95\x8C\xE3\x80\x81\xE3\x83\x86\n",
                            RenderOptions{});  // こん世界、テ
  EXPECT_EQ(stats.missing_glyphs, 0u);
  EXPECT_EQ(stats.fonts, (std::vector<std::string>{primary_font_path(), *fallback}));
  loaded = dlopen(kFontconfigLibrary, RTLD_NOW | RTLD_NOLOAD);
  EXPECT_EQ(loaded, nullptr) << "fontconfig was opened";
  if (loaded != nullptr) dlclose(loaded);
}

TEST(KnownFallbackFont, CoversCjkAndHangulBlocksOnly) {
  EXPECT_FALSE(known_fallback_font(U'A'));
  EXPECT_FALSE(known_fallback_font(U'\u05E9'));  // Hebrew: fontconfig's job
  if (const auto kanji = known_fallback_font(U'\u4E16')) {
    EXPECT_NE(kanji->find("DroidSansFallback"), std::string::npos);
  }
  if (const auto hangul = known_fallback_font(U'\uD55C')) {
    EXPECT_NE(hangul->find("NanumGothicCoding"), std::string::npos);
  }
}

TEST_F(RenderPdf, BinaryInputWritesNothing) {
  try {
    (void)render(std::string("abc\0def", 7), RenderOptions{});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kBadInput);
  }
  EXPECT_TRUE(fs::is_empty(dir_ / "") || !fs::exists(dir_ / "out.pdf"));
  for (const auto& entry : fs::directory_iterator(dir_)) EXPECT_EQ(entry.path().filename(), "in.txt");
}

// Issue 12, bug 9: the job renders into a 0600 mkstemp file in a shared TMPDIR. Before, the rename
// of the writer's temporary file replaced it with a 0644 one: anyone on the host could read the PDF.
TEST_F(RenderPdf, AnExistingPrivateOutputStaysPrivate) {
  const auto output = dir_ / "private.pdf";
  const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(::chmod(output.c_str(), 0600), 0);
  (void)render("secret\n", RenderOptions{}, "private.pdf");
  struct stat info {};
  ASSERT_EQ(::stat(output.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_GT(info.st_size, 0);
}

// Issue 12, bug 7: a page bomb (`x\f` repeated: 2 bytes a page) is refused as soon as the layout
// passes the cap, with a message naming the limit, and leaves no PDF behind. Before: no cap (the
// default-size input reached 200,000 pages in 815 MB).
TEST_F(RenderPdf, PageBombStopsAtMaxPages) {
  std::string bomb;
  for (int i = 0; i < 5000; ++i) bomb += "x\f";
  RenderOptions options;
  options.max_pages = 1000;
  try {
    (void)render(bomb, options);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(error.what()).find("MAX_PAGES=1000"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "out.pdf"));
  options.max_pages = 5001;
  EXPECT_GE(render(bomb, options).pages, 5000);  // under the cap the bomb renders as before
}

TEST_F(RenderPdf, TooLargeMarginsAreAConfigError) {
  RenderOptions options;
  options.margin_left = options.margin_right = 295;  // 5 pt left: no column
  EXPECT_THROW((void)render("x\n", options), Error);
}

}  // namespace
}  // namespace txt2pdf
