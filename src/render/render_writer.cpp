#include "txt2pdf/render/render_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/fonts.hpp"
#include "txt2pdf/render/text_decode.hpp"

namespace txt2pdf {
namespace {

constexpr double kTwoUpGap = 24;          // points between the halves of a two-up sheet
constexpr int kGridAdvance = 600;         // a column in 1/1000 em: Courier's advance
constexpr double kDecorationScale = 0.9;  // header/footer size relative to the text

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char text[96];
  const int length = std::snprintf(text, sizeof text, pattern, a, b, c);
  return std::string(text, static_cast<std::size_t>(std::max(length, 0)));
}

// Appends `value` with at most two decimals ("72", "12.5", "-3.25"): snprintf's float
// formatting was a tenth of the run time with a mark on every wrapped row.
void append_number(std::string& out, double value) {
  long long hundredths = std::llround(value * 100);
  if (hundredths < 0) {
    out += '-';
    hundredths = -hundredths;
  }
  out += std::to_string(hundredths / 100);
  const auto fraction = static_cast<int>(hundredths % 100);
  if (fraction != 0) {
    out += '.';
    out += static_cast<char>('0' + fraction / 10);
    if (fraction % 10 != 0) out += static_cast<char>('0' + fraction % 10);
  }
}

void append_point(std::string& out, double x, double y, const char* op) {
  append_number(out, x);
  out += ' ';
  append_number(out, y);
  out += op;
}

// Appends one byte of a PDF literal string, escaped where the syntax needs it.
inline void put_literal_byte(std::string& out, unsigned char byte) {
  switch (byte) {
    case '(':
      out += "\\(";
      break;
    case ')':
      out += "\\)";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\r':
      out += "\\r";
      break;  // a raw CR would be read as LF
    default:
      out += static_cast<char>(byte);
  }
}

std::u32string to_u32(std::string_view utf8) {
  TextDecoder decoder(TextEncoding::kUtf8);
  std::u32string out;
  decoder.decode(utf8, true, out);
  return out;
}

int text_columns(std::u32string_view text) {
  int columns = 0;
  for (const char32_t cp : text) columns += char_width(cp);
  return columns;
}

}  // namespace

PageGeometry PageGeometry::from(const RenderOptions& options) {
  PageGeometry g;
  paper_size(options, g.width, g.height);
  g.column_width = options.font_size * kGridAdvance / 1000.0;
  double area = g.width - options.margin_left - options.margin_right;
  if (options.two_up) area = (area - kTwoUpGap) / 2;
  g.columns = static_cast<int>(std::floor(area / g.column_width + 1e-6));
  g.gutter = options.line_numbers ? 7 : 0;
  const double text_height = g.height - options.margin_top - options.margin_bottom;
  g.lines = text_height < options.font_size
                ? 0
                : static_cast<int>(std::floor((text_height - options.font_size) / options.leading + 1e-6)) + 1;
  if (g.columns - g.gutter < 2 || g.lines < 1) {
    throw Error(ErrorKind::kConfig, "page too small: margins, font-size and leading leave " +
                                        std::to_string(std::max(g.columns - g.gutter, 0)) + " columns and " +
                                        std::to_string(g.lines) + " lines");
  }
  g.first_baseline = g.height - options.margin_top - 0.8 * options.font_size;
  g.left[0] = options.margin_left;
  g.left[1] = options.margin_left + area + kTwoUpGap;
  return g;
}

LayoutOptions PageGeometry::layout(const RenderOptions& options) const {
  LayoutOptions layout;
  layout.columns = columns - gutter;
  layout.lines_per_page = lines;
  layout.tab_width = options.tab_width;
  layout.wrap = options.wrap;
  return layout;
}

RenderOptions fitted_options(const RenderOptions& options, int longest_columns) {
  constexpr double kMinPortrait = 8;
  constexpr double kMinLandscape = 6;
  if (options.fit == Fit::kNone || options.two_up || options.font_size_given || options.landscape_given) {
    return options;
  }
  const auto grid = PageGeometry::from(options);
  if (longest_columns <= grid.columns - grid.gutter) return options;
  const double needed = (longest_columns + grid.gutter) * kGridAdvance / 1000.0;  // width per point of size
  const auto size_for = [&](bool landscape) {
    RenderOptions turned = options;
    turned.landscape = landscape;
    double width = 0, height = 0;
    paper_size(turned, width, height);
    const double size = (width - options.margin_left - options.margin_right) / needed;
    return std::floor(std::min(size, options.font_size) * 100) / 100;  // round down: never a column short
  };
  RenderOptions fitted = options;
  double size = size_for(options.landscape);
  if (size < kMinPortrait && !options.landscape) {
    size = size_for(true);
    fitted.landscape = true;
  }
  if (size < kMinLandscape) return options;
  fitted.font_size = size;
  if (!options.leading_given) fitted.leading = std::round(size * 1.2 * 100) / 100;
  return fitted;
}

PageWriter::PageWriter(PdfDocument& pdf, FontChain& fonts, const RenderOptions& options, const PageGeometry& geometry)
    : pdf_(pdf), fonts_(fonts), options_(options), geometry_(geometry), size_(options.font_size) {
  buffer_.reserve(std::size_t{64} * 1024);
}

void PageWriter::begin_page(int page) {
  if (options_.max_pages > 0 && page > options_.max_pages) {
    // Refused while laying out, before the page costs memory: a page bomb never grows past it.
    throw Error(ErrorKind::kBadInput, "the text needs more than MAX_PAGES=" + std::to_string(options_.max_pages) +
                                          " pages (form feeds or very many lines)");
  }
  const int half = options_.two_up ? (page - 1) % 2 : 0;
  if (half == 0) {
    end_physical_page();
    pdf_.add_page(geometry_.width, geometry_.height);
    current_font_ = -1;
    // Courier is the first font of every page, so its name is the same everywhere and the shared
    // footer stream can use it.
    const auto courier = pdf_.font_name(PdfDocument::kCourier);
    if (courier_name_.empty()) courier_name_ = courier;
    if (courier != courier_name_) throw Error(ErrorKind::kInternal, "Courier has different names on two pages");
    if (options_.header) draw_header();
  } else {
    end_text_object();
  }
  half_ = half;
  row_on_page_ = 0;
  buffer_ += "BT\n";
  buffer_ += format("%.2f TL\n%.2f %.2f Td\n", options_.leading, geometry_.left[half],
                    geometry_.first_baseline + options_.leading);
  text_open_ = true;
}

void PageWriter::row(const LayoutRow& row) {
  if (!row.styles.empty()) {
    std::u32string gutter;
    if (geometry_.gutter > 0) {
      if (!row.continuation) {
        char number[24];
        std::snprintf(number, sizeof number, "%6llu ", static_cast<unsigned long long>(row.source_line));
        for (const char* c = number; *c != '\0'; ++c) gutter.push_back(static_cast<unsigned char>(*c));
      } else {
        gutter.assign(static_cast<std::size_t>(geometry_.gutter), U' ');
      }
    }
    styled_row(row, gutter);
    if (row.continues || row.truncated) add_mark(row.continues);
    ++row_on_page_;
    return;
  }
  if (fill_ != 0) set_fill(0);
  if (geometry_.gutter > 0) {
    line_.clear();
    if (!row.continuation) {
      char number[24];
      std::snprintf(number, sizeof number, "%6llu ", static_cast<unsigned long long>(row.source_line));
      for (const char* c = number; *c != '\0'; ++c) line_.push_back(static_cast<unsigned char>(*c));
    } else {
      line_.assign(static_cast<std::size_t>(geometry_.gutter), U' ');
    }
    line_ += row.text;
    show(line_, true);
  } else {
    show(row.text, true);
  }
  if (row.continues || row.truncated) add_mark(row.continues);
  ++row_on_page_;
}

void PageWriter::set_fill(std::uint32_t rgb) {
  buffer_ +=
      format("%.3g %.3g %.3g rg\n", ((rgb >> 16) & 0xFFu) / 255.0, ((rgb >> 8) & 0xFFu) / 255.0, (rgb & 0xFFu) / 255.0);
  fill_ = rgb;
}

// A row with ANSI or overstrike styles: one run per style, each in its colour and face (bold and
// oblique fonts), backgrounds as rectangles under the text and underlines as lines over it, so
// the text itself is each character once.
void PageWriter::styled_row(const LayoutRow& row, std::u32string_view gutter) {
  const double y = geometry_.first_baseline - row_on_page_ * options_.leading;
  double x = geometry_.left[half_] + static_cast<double>(gutter.size()) * geometry_.column_width;
  bool next_line = true;
  if (!gutter.empty()) {
    if (fill_ != 0) set_fill(0);
    show(gutter, true);
    next_line = false;
  }
  std::size_t at = 0;
  while (at < row.text.size()) {
    const CellStyle style = row.styles[at];
    std::size_t end = at;
    int columns = 0;
    while (end < row.text.size() && row.styles[end] == style) columns += char_width(row.text[end++]);
    std::uint32_t fg = style.foreground == CellStyle::kDefaultColour ? 0x000000u : style.foreground;
    std::uint32_t bg = style.background;
    if ((style.flags & CellStyle::kInverse) != 0) {
      const std::uint32_t old_fg = fg;
      fg = bg == CellStyle::kDefaultColour ? 0xFFFFFFu : bg;
      bg = old_fg;
    }
    if ((style.flags & CellStyle::kFaint) != 0) {
      // Half way to white, per channel.
      fg = (((fg >> 1) & 0x7F7F7Fu) + 0x808080u) & 0xFFFFFFu;
    }
    const double width = columns * geometry_.column_width;
    if (bg != CellStyle::kDefaultColour) {
      backgrounds_ += format("%.3g %.3g %.3g rg\n", ((bg >> 16) & 0xFFu) / 255.0, ((bg >> 8) & 0xFFu) / 255.0,
                             (bg & 0xFFu) / 255.0);
      append_point(backgrounds_, x, y - (options_.leading - options_.font_size) / 2 - 0.25 * options_.font_size, " ");
      append_point(backgrounds_, width, options_.leading, " re f\n");
    }
    if (fg != fill_) set_fill(fg);
    const int face = ((style.flags & CellStyle::kBold) != 0 ? FontChain::kBoldFace : 0) |
                     ((style.flags & CellStyle::kItalic) != 0 ? FontChain::kItalicFace : 0);
    show(std::u32string_view(row.text).substr(at, end - at), next_line, face);
    next_line = false;
    if ((style.flags & CellStyle::kUnderline) != 0) {
      decorations_ += format("%.3g %.3g %.3g RG\n", ((fg >> 16) & 0xFFu) / 255.0, ((fg >> 8) & 0xFFu) / 255.0,
                             (fg & 0xFFu) / 255.0);
      const double under = y - 0.15 * options_.font_size;
      append_point(decorations_, x, under, " m ");
      append_point(decorations_, x + width, under, " l S\n");
    }
    x += width;
    at = end;
  }
}

// A hook (wrapped) or a triangle (truncated) in the right margin of the current row, drawn after
// the text object, and as paths so that extracted text stays exactly the input. Each mark moves
// the origin down from the previous one and draws the same path, so the marks of a page deflate
// to a few bytes each instead of three coordinate pairs.
void PageWriter::add_mark(bool continues) {
  const double x = geometry_.left[half_] + geometry_.columns * geometry_.column_width + 2;
  const double y = geometry_.first_baseline - row_on_page_ * options_.leading;
  if (marks_half_ != half_) {
    if (!marks_.empty()) marks_ += "Q\n";
    marks_ += "q 1 0 0 1 ";
    append_point(marks_, x, y, " cm\n");
    marks_half_ = half_;
  } else {
    marks_ += "1 0 0 1 0 ";
    append_number(marks_, y - last_mark_y_);
    marks_ += " cm\n";
  }
  last_mark_y_ = y;
  const double s = options_.font_size * 0.5;
  if (continues) {
    append_point(marks_, s * 0.6, s, " m ");
    append_point(marks_, s * 0.6, 0, " l 0 0 l S\n");
  } else {
    marks_ += "0 0 m ";
    append_point(marks_, s * 0.6, s * 0.5, " l ");
    append_point(marks_, 0, s, " l f\n");
  }
}

void PageWriter::show(std::u32string_view text, bool next_line, int face) {
  if (text.empty()) {
    if (next_line) buffer_ += "T*\n";
    return;
  }
  // Fast path: ASCII in Courier is one literal string and one `'` per row.
  if (fonts_.latin_mode() && std::all_of(text.begin(), text.end(), [](char32_t cp) { return cp < 0x80; })) {
    use_font(face == 0 ? PdfDocument::kCourier : fonts_.courier(face));
    buffer_ += '(';
    for (const char32_t cp : text) put_literal_byte(buffer_, static_cast<unsigned char>(cp));
    buffer_ += next_line ? ")'\n" : ")Tj\n";
    return;
  }
  bool first = true;
  std::size_t at = 0;
  while (at < text.size()) {
    const int font = fonts_.resolve(text[at], face).font;
    const bool unicode = pdf_.is_unicode(font);
    use_font(font);
    // One string per run of a font. Every glyph advances by its grid width (declared in the
    // font's /W), so only a replacement whose width differs from the character it stands for
    // (U+FFFD for a wide emoji) needs a TJ adjustment. Combining marks advance 0: a mark that its
    // monospaced font draws in a cell of its own shows after its letter (moving back to overlay
    // it splits the line for text extractors).
    std::size_t run_start = buffer_.size();
    bool adjusted = false;
    buffer_ += '(';
    for (; at < text.size(); ++at) {
      const auto glyph = fonts_.resolve(text[at], face);
      if (glyph.font != font) break;
      const int wanted = char_width(text[at]) * kGridAdvance;
      const int width = char_width(glyph.code) * kGridAdvance;  // the glyph's advance: its /W entry
      if (glyph.missing) fonts_.count_missing();
      if (unicode) {
        pdf_.use_glyph(font, glyph.code, width);
        put_literal_byte(buffer_, static_cast<unsigned char>(glyph.code >> 8));
        put_literal_byte(buffer_, static_cast<unsigned char>(glyph.code & 0xFFu));
      } else {
        put_literal_byte(buffer_, unicode_to_windows_1252(glyph.code));
      }
      if (width == wanted) continue;
      // A replacement whose width differs from the character's (U+FFFD for a wide emoji).
      buffer_ += ')' + std::to_string(width - wanted) + '(';
      adjusted = true;
    }
    if (adjusted) {
      buffer_.insert(run_start, next_line && first ? "T*[" : "[");
      buffer_ += ")]TJ\n";
    } else {
      buffer_ += next_line && first ? ")'\n" : ")Tj\n";
    }
    first = false;
  }
}

void PageWriter::use_font(int font) {
  if (font == current_font_ && size_ == current_size_) return;
  // Resource names are the same on every page: ask the document once per font.
  if (font_names_.size() <= static_cast<std::size_t>(font)) font_names_.resize(static_cast<std::size_t>(font) + 1);
  auto& name = font_names_[static_cast<std::size_t>(font)];
  if (name.empty()) name = '/' + pdf_.font_name(font) + ' ';
  buffer_ += name;
  append_number(buffer_, size_);
  buffer_ += " Tf\n";
  current_font_ = font;
  current_size_ = size_;
}

void PageWriter::end_text_object() {
  if (!text_open_) return;
  if (fill_ != 0) set_fill(0);
  buffer_ += "ET\n";
  text_open_ = false;
}

void PageWriter::text_at(double x, double y, std::u32string_view text) {
  buffer_ += "BT\n" + format("%.2f %.2f Td\n", x, y);
  show(text, false);
  buffer_ += "ET\n";
}

void PageWriter::draw_header() {
  size_ = options_.font_size * kDecorationScale;
  const double column = size_ * kGridAdvance / 1000.0;
  const double y = geometry_.height - options_.margin_top / 2 - size_ / 3;
  const auto title = to_u32(options_.header_text);
  if (!title.empty()) text_at(options_.margin_left, y, title);
  const auto date = to_u32(options_.date);
  if (!date.empty()) text_at(geometry_.width - options_.margin_right - text_columns(date) * column, y, date);
  size_ = options_.font_size;
}

// "page N" goes into the page; " of M" comes from a stream shared by all pages whose N has as
// many digits, written once M is known. Pages are never revisited, so nothing but the compressed
// page content stays in memory.
void PageWriter::draw_footer(int page) {
  const double size = options_.font_size * kDecorationScale;
  const double column = size * kGridAdvance / 1000.0;
  const double x = geometry_.width / 2 - 7 * column;
  const double y = options_.margin_bottom / 2 - size / 3;
  const auto number = std::to_string(page);
  buffer_ += "BT\n/" + courier_name_ + format(" %g Tf\n%.2f %.2f Td\n", size, x, y) + "(page " + number + ")Tj\nET\n";
  const std::size_t digits = number.size();
  if (footer_streams_.size() < digits) footer_streams_.resize(digits, -1);
  auto& id = footer_streams_[digits - 1];
  if (id < 0) id = pdf_.add_shared_stream();
  pdf_.use_shared_stream(id);
}

void PageWriter::end_physical_page() {
  const int page = pdf_.page_count();
  if (page == 0) return;
  end_text_object();
  if (!backgrounds_.empty()) {
    buffer_.insert(0, "q\n" + backgrounds_ + "Q\n");
    backgrounds_.clear();
  }
  if (!decorations_.empty()) {
    buffer_ += "q " + format("%.3g", options_.font_size * 0.06) + " w\n" + decorations_ + "Q\n";
    decorations_.clear();
  }
  if (!marks_.empty()) {
    buffer_ += "q 0.5 w\n" + marks_ + "Q\nQ\n";
    marks_.clear();
    marks_half_ = -1;
  }
  if (options_.footer) draw_footer(page);
  pdf_.set_page_content(buffer_);
  buffer_.clear();
}

void PageWriter::finish() {
  end_physical_page();
  const auto pages = std::to_string(pdf_.page_count());
  const double size = options_.font_size * kDecorationScale;
  const double column = size * kGridAdvance / 1000.0;
  const double x = geometry_.width / 2 - 7 * column;
  const double y = options_.margin_bottom / 2 - size / 3;
  for (std::size_t digits = 1; digits <= footer_streams_.size(); ++digits) {
    if (footer_streams_[digits - 1] < 0) continue;
    const double x_of = x + static_cast<double>(5 + digits) * column;
    pdf_.set_shared_stream(
        footer_streams_[digits - 1],
        "BT\n/" + courier_name_ + format(" %g Tf\n%.2f %.2f Td\n", size, x_of, y) + "( of " + pages + ")Tj\nET\n");
  }
}

}  // namespace txt2pdf
