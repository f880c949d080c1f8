// Turns laid-out rows into content-stream operators on a PdfDocument: font choice per character
// (Courier, DejaVu Sans Mono, fontconfig fallbacks, visible U+FFFD), one `'` per row with every
// glyph's advance declared as its grid width, margin marks for wrapped and truncated rows,
// headers, and "page N of M" footers whose M is filled in at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "txt2pdf/render/pdf.hpp"
#include "txt2pdf/render/render_options.hpp"
#include "txt2pdf/render/text_layout.hpp"

namespace txt2pdf {

// Page grid derived from the options.
struct PageGeometry {
  double width = 0, height = 0;  // sheet, points
  double column_width = 0;       // 0.6 * font size
  double first_baseline = 0;
  double left[2] = {0, 0};  // x of each half (two-up) or of the page
  int columns = 0;          // columns per row including the line-number gutter
  int gutter = 0;           // line-number columns
  int lines = 0;            // rows per (logical) page
  // Throws Error(kConfig) when margins and font size leave fewer than 2 columns or 1 line.
  static PageGeometry from(const RenderOptions& options);
  [[nodiscard]] LayoutOptions layout(const RenderOptions& options) const;
};

// fit=auto: `options` with the font size (and, below a readable size, the orientation) chosen so
// that a line of `longest_columns` columns fits unwrapped: portrait down to 8 pt (~100 columns on
// A4), else landscape down to 6 pt (~200 columns). Unchanged when the line already fits, when it
// would need less than 6 pt (it wraps), for fit=none and two-up, and when font-size or landscape was
// set explicitly. Leading stays 1.2 x the font size unless it was set.
[[nodiscard]] RenderOptions fitted_options(const RenderOptions& options, int longest_columns);

// Which font draws which character. "Latin" mode (the first 64 KB need nothing beyond
// Windows-1252): Courier for Windows-1252 characters. Otherwise, and for everything else:
// DejaVu Sans Mono, then Debian's known CJK and Hangul fallbacks, then fallbacks found through
// fontconfig; U+FFFD (counted) when none has it.
class FontChain {
 public:
  FontChain(PdfDocument& pdf, bool latin_mode);
  ~FontChain();
  struct Glyph {
    int font;
    char32_t code;  // what is drawn (U+FFFD for a missing glyph)
    bool missing = false;
  };
  [[nodiscard]] Glyph resolve(char32_t cp);
  // Faces: kBoldFace | kItalicFace. Courier's and DejaVu Sans Mono's bold and oblique faces draw
  // what their regular face draws; characters from fallback fonts keep the regular face.
  static constexpr int kBoldFace = 1, kItalicFace = 2;
  [[nodiscard]] Glyph resolve(char32_t cp, int face);
  // Courier in `face` (Courier-Bold...): built in, loaded on first use.
  [[nodiscard]] int courier(int face);
  [[nodiscard]] std::uint64_t missing() const noexcept { return missing_; }
  void count_missing() noexcept { ++missing_; }
  [[nodiscard]] std::vector<std::string> font_names() const;
  [[nodiscard]] bool latin_mode() const noexcept { return latin_mode_; }

 private:
  int primary();
  int find_font(char32_t cp);
  int dejavu(int face);

  PdfDocument& pdf_;
  bool latin_mode_;
  int primary_ = -1;  // DejaVu Sans Mono, Unicode (2-byte codes)
  std::vector<int> fallbacks_;
  int courier_faces_[4] = {PdfDocument::kCourier, -2, -2, -2};  // -2: not loaded yet
  int dejavu_faces_[4] = {-2, -2, -2, -2};                      // -1: no such file
  std::vector<std::string> paths_;                              // loaded TrueType files, by font id - 1
  std::vector<std::int8_t> bmp_font_;                           // per BMP code point: -2 unknown, -1 none, else font id
  std::uint64_t missing_ = 0;
};

class PageWriter final : public LayoutSink {
 public:
  PageWriter(PdfDocument& pdf, FontChain& fonts, const RenderOptions& options, const PageGeometry& geometry);
  void begin_page(int page) override;
  void row(const LayoutRow& row) override;
  // Ends the last page and draws headers and footers on every page.
  void finish();

 private:
  void end_text_object();
  void end_physical_page();
  void use_font(int font);
  void show(std::u32string_view text, bool next_line, int face = 0);
  void styled_row(const LayoutRow& row, std::u32string_view gutter);
  void set_fill(std::uint32_t rgb);
  void add_mark(bool continues);
  void text_at(double x, double y, std::u32string_view text);
  void draw_header();
  void draw_footer(int page);

  PdfDocument& pdf_;
  FontChain& fonts_;
  const RenderOptions& options_;
  PageGeometry geometry_;
  double size_;                          // font size in use (smaller for headers and footers)
  std::string buffer_;                   // the current page's content stream
  std::string marks_;                    // margin marks of the current page (drawn after its text)
  std::string backgrounds_;              // ANSI background colours of the current page (drawn before its text)
  std::string decorations_;              // underlines of the current page (drawn after its text)
  std::uint32_t fill_ = 0;               // the text colour in effect (0xRRGGBB)
  int marks_half_ = -1;                  // the half whose marks marks_ is drawing (-1: none yet)
  double last_mark_y_ = 0;               // baseline of the last mark: the next one moves down from it
  std::string courier_name_;             // Courier's resource name, the same on every page
  std::vector<std::string> font_names_;  // "/F2 " per font id, once known
  std::vector<int> footer_streams_;      // shared " of M" stream per digit count of N
  int current_font_ = -1;
  double current_size_ = 0;
  int half_ = 0;  // two-up: 0 left, 1 right
  int row_on_page_ = 0;
  bool text_open_ = false;
  std::u32string line_;  // scratch: gutter + row text
};

}  // namespace txt2pdf
