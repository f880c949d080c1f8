#include "txt2pdf/render/text_layout.hpp"

#include <algorithm>
#include <array>

namespace txt2pdf {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Zero-width: combining marks of the common scripts, zero-width spaces and joiners, variation
// selectors (Unicode general categories Mn/Me/Cf in these blocks).
constexpr std::array<Range, 24> kZeroWidth{{
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2}, {0x05C4, 0x05C5},
    {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
    {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF},
    {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
}};

// East Asian Wide (W) and Fullwidth (F): Hangul Jamo, CJK, Kana, Hangul syllables, fullwidth
// forms, and the emoji blocks wcwidth treats as wide.
constexpr std::array<Range, 19> kWide{{
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
    {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}};

constexpr std::array<Range, 5> kRightToLeft{{
    {0x0590, 0x08FF},
    {0xFB1D, 0xFDFF},
    {0xFE70, 0xFEFF},
    {0x10800, 0x10FFF},
    {0x1E800, 0x1EFFF},
}};

template <std::size_t N>
bool in_ranges(const std::array<Range, N>& ranges, char32_t cp) {
  const auto found = std::upper_bound(ranges.begin(), ranges.end(), cp,
                                      [](char32_t value, const Range& range) { return value < range.first; });
  return found != ranges.begin() && cp <= std::prev(found)->last;
}

class CountingSink final : public LayoutSink {
 public:
  void begin_page(int /*page*/) override {}
  void row(const LayoutRow& /*row*/) override {}
};

char hex_digit(unsigned value) { return static_cast<char>(value < 10 ? '0' + value : 'A' + value - 10); }

}  // namespace

int char_width(char32_t cp) noexcept {
  if (cp < 0x300) return 1;
  if (in_ranges(kZeroWidth, cp)) return 0;
  if (in_ranges(kWide, cp)) return 2;
  return 1;
}

bool is_right_to_left(char32_t cp) noexcept { return cp >= 0x590 && in_ranges(kRightToLeft, cp); }

Layout::Layout(const LayoutOptions& options, LayoutSink& sink) : options_(options), sink_(sink) {
  options_.columns = std::max(options_.columns, 2);
  options_.lines_per_page = std::max(options_.lines_per_page, 1);
  options_.tab_width = std::max(options_.tab_width, 1);
}

int longest_line_columns(std::u32string_view text, int tab_width) {
  const auto stop = static_cast<std::uint64_t>(std::max(tab_width, 1));
  std::uint64_t longest = 0;
  std::uint64_t column = 0;
  for (const char32_t cp : text) {
    if (cp == U'\n' || cp == U'\r' || cp == U'\f') {
      longest = std::max(longest, column);
      column = 0;
    } else if (cp == U'\t') {
      column += stop - column % stop;
    } else if (cp < 0x20 || cp == 0x7F) {
      column += 2;  // shown as ^X
    } else {
      column += static_cast<std::uint64_t>(cp < 0x300 ? 1 : char_width(cp));
    }
  }
  return static_cast<int>(std::min<std::uint64_t>(std::max(longest, column), 1u << 30));
}

void Layout::feed(std::u32string_view text, const CellStyle* styles) {
  if (styles == nullptr) style_ = CellStyle{};
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t cp = text[i];
    if (styles != nullptr) style_ = styles[i];
    if (after_cr_) {
      after_cr_ = false;
      if (cp == U'\n') continue;
    }
    if (cp >= 0x20 && cp != 0x7F && (cp < 0x80 || cp >= 0xA0)) {
      put(cp, cp < 0x300 ? 1 : char_width(cp));
      continue;
    }
    switch (cp) {
      case U'\n':
        end_source_line();
        break;
      case U'\r':
        end_source_line();
        after_cr_ = true;
        break;
      case U'\f':
        form_feed();
        // "\f\n" (a page break on a line of its own) must not add a blank row.
        after_cr_ = true;
        break;
      case U'\t': {
        const auto stop = static_cast<std::uint64_t>(options_.tab_width);
        for (auto spaces = stop - logical_column_ % stop; spaces > 0; --spaces) put(U' ', 1);
        break;
      }
      default:
        put_visible_control(cp);
    }
  }
}

void Layout::put_visible_control(char32_t cp) {
  if (cp < 0x20 || cp == 0x7F) {
    put(U'^', 1);
    put(cp == 0x7F ? U'?' : cp + 0x40, 1);
    return;
  }
  // C1 controls (U+0080..U+009F) as <9B>.
  put(U'<', 1);
  put(static_cast<char32_t>(hex_digit((cp >> 4) & 0xFu)), 1);
  put(static_cast<char32_t>(hex_digit(cp & 0xFu)), 1);
  put(U'>', 1);
}

void Layout::put(char32_t cp, int width) {
  line_open_ = true;
  if (cut_) return;
  if (width > 0 && column_ > 0 && column_ + width > options_.columns) {
    if (!options_.wrap) {
      cut_ = true;
      row_.truncated = true;
      return;
    }
    row_.continues = true;
    emit_row();
    row_.continuation = true;
  }
  if (!row_.styles.empty() || !style_.is_default()) {
    row_.styles.resize(row_.text.size());
    row_.styles.push_back(style_);
  }
  row_.text.push_back(cp);
  column_ += width;
  logical_column_ += static_cast<std::uint64_t>(width);
}

void Layout::emit_row() {
  if (page_ == 0 || page_full_ || rows_on_page_ >= options_.lines_per_page) {
    ++page_;
    rows_on_page_ = 0;
    page_full_ = false;
    sink_.begin_page(page_);
  }
  row_.source_line = source_line_;
  sink_.row(row_);
  ++rows_on_page_;
  ++rows_;
  row_.text.clear();
  row_.styles.clear();
  row_.continuation = false;
  row_.continues = false;
  row_.truncated = false;
  column_ = 0;
}

void Layout::end_source_line() {
  emit_row();
  ++source_line_;
  logical_column_ = 0;
  line_open_ = false;
  cut_ = false;
}

void Layout::form_feed() {
  if (line_open_) end_source_line();
  if (page_ == 0) return;  // nothing drawn yet: the first page simply starts with what follows
  if (page_full_) {
    // A second form feed in a row: a blank page.
    ++page_;
    rows_on_page_ = 0;
    sink_.begin_page(page_);
  }
  page_full_ = true;
}

void Layout::finish() {
  if (line_open_) end_source_line();
  after_cr_ = false;
  if (page_ == 0) {
    page_ = 1;
    sink_.begin_page(page_);
  }
}

int count_pages(std::u32string_view text, const LayoutOptions& options) {
  CountingSink sink;
  Layout layout(options, sink);
  layout.feed(text);
  layout.finish();
  return layout.pages();
}

}  // namespace txt2pdf
