// Line-printer layout (pure: code points in, rows and pages out; no libharu, no fonts).
// A source line is cut into rows of at most `columns` columns (wrap) or cut off (truncate);
// East Asian wide characters take two columns, combining marks none; tabs go to the next tab
// stop; form feed ends the page; other control characters become visible (^X, <9B>).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace txt2pdf {

// Columns a character takes on a monospace grid: 0 (combining, zero-width), 1 or 2 (East Asian
// Wide and Fullwidth, wcwidth rules). Control characters are not asked about.
[[nodiscard]] int char_width(char32_t cp) noexcept;

// Whether `cp` belongs to a right-to-left script (Hebrew, Arabic, Syriac, Thaana, N'Ko...).
[[nodiscard]] bool is_right_to_left(char32_t cp) noexcept;

// How a character is drawn (text_ansi.hpp sets these from escape sequences and overstrike).
struct CellStyle {
  static constexpr std::uint32_t kDefaultColour = 0xFF000000u;  // not an RGB value
  enum Flag : std::uint8_t { kBold = 1, kFaint = 2, kItalic = 4, kUnderline = 8, kInverse = 16 };
  std::uint32_t foreground = kDefaultColour;  // 0xRRGGBB
  std::uint32_t background = kDefaultColour;
  std::uint8_t flags = 0;
  [[nodiscard]] bool is_default() const noexcept {
    return foreground == kDefaultColour && background == kDefaultColour && flags == 0;
  }
  friend bool operator==(const CellStyle& a, const CellStyle& b) noexcept {
    return a.foreground == b.foreground && a.background == b.background && a.flags == b.flags;
  }
  friend bool operator!=(const CellStyle& a, const CellStyle& b) noexcept { return !(a == b); }
};

// Display columns of the longest line of `text` (tabs to the next stop of `tab_width`): what
// fit=auto sizes the page for.
[[nodiscard]] int longest_line_columns(std::u32string_view text, int tab_width);

struct LayoutOptions {
  int columns = 75;         // text columns per row (after any line-number gutter)
  int lines_per_page = 58;  // rows per page
  int tab_width = 8;        // tab stops every tab_width columns (>= 1)
  bool wrap = true;         // false: cut long lines at the right margin
};

struct LayoutRow {
  std::u32string text;            // what to draw: tabs expanded, controls made visible
  std::vector<CellStyle> styles;  // one per character of text, or empty: all default
  std::uint64_t source_line = 0;  // 1-based number of the input line this row comes from
  bool continuation = false;      // this row continues the previous row's source line
  bool continues = false;         // the source line goes on in the next row (wrap mark)
  bool truncated = false;         // characters were cut off after this row (truncate mark)
};

class LayoutSink {
 public:
  virtual ~LayoutSink() = default;
  // Pages are numbered from 1; begin_page(n) comes before the rows of page n.
  virtual void begin_page(int page) = 0;
  virtual void row(const LayoutRow& row) = 0;
};

class Layout {
 public:
  // `sink` must outlive the layout.
  Layout(const LayoutOptions& options, LayoutSink& sink);

  // Lays out more text (line ends LF, CR or CRLF, also split across calls). `styles`: one per
  // character of `text`, or null for the default style.
  void feed(std::u32string_view text, const CellStyle* styles = nullptr);
  // Flushes the last line (one without a line end) and makes sure there is at least one page.
  void finish();

  [[nodiscard]] int pages() const noexcept { return page_; }
  [[nodiscard]] std::uint64_t rows() const noexcept { return rows_; }
  [[nodiscard]] std::uint64_t source_lines() const noexcept { return source_line_ - 1; }

 private:
  void put(char32_t cp, int width);
  void put_visible_control(char32_t cp);
  void end_source_line();
  void emit_row();
  void form_feed();

  LayoutOptions options_;
  LayoutSink& sink_;
  CellStyle style_;  // of the character being put
  LayoutRow row_;
  int column_ = 0;                    // column in the current row
  std::uint64_t logical_column_ = 0;  // column in the whole source line (tab stops)
  bool line_open_ = false;            // characters of the current source line seen
  bool cut_ = false;                  // truncate mode: the current source line is past the right margin
  bool after_cr_ = false;             // last character was CR: a following LF belongs to it
  int page_ = 0;
  int rows_on_page_ = 0;
  bool page_full_ = false;  // form feed: the next row starts a new page
  std::uint64_t rows_ = 0;
  std::uint64_t source_line_ = 1;
};

// Pages a text needs with `options` (the same Layout run without drawing): what the renderer will
// produce, for tests and for "page N of M" planning.
[[nodiscard]] int count_pages(std::u32string_view text, const LayoutOptions& options);

}  // namespace txt2pdf
