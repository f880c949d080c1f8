#include "txt2pdf/render/text_ansi.hpp"

#include <algorithm>
#include <array>

namespace txt2pdf {
namespace {

constexpr char32_t kEscape = 0x1B;
constexpr char32_t kCsi8 = 0x9B;  // the 8-bit CSI
constexpr char32_t kBell = 0x07;
constexpr char32_t kBackspace = 0x08;

// xterm's default ANSI colours.
constexpr std::array<std::uint32_t, 16> kAnsi16{{
    0x000000,
    0xCD0000,
    0x00CD00,
    0xCDCD00,
    0x0000EE,
    0xCD00CD,
    0x00CDCD,
    0xE5E5E5,
    0x7F7F7F,
    0xFF0000,
    0x00FF00,
    0xFFFF00,
    0x5C5CFF,
    0xFF00FF,
    0x00FFFF,
    0xFFFFFF,
}};

bool is_special(char32_t cp) {
  // One compare for the printable characters that are nearly all of a plain file.
  if (cp >= U' ') return cp == kCsi8;
  return cp == kEscape || cp == kBackspace || cp == U'\r' || cp == kCsi8 || cp == kBell || cp == U'\t';
}

// The numbers of a CSI parameter string ("38;5;208" -> 38 5 208; empty fields are 0).
std::vector<int> numbers(const std::u32string& params) {
  std::vector<int> out{0};
  for (const char32_t c : params) {
    if (c == U';' || c == U':') {
      out.push_back(0);
    } else if (c >= U'0' && c <= U'9') {
      out.back() = std::min(out.back() * 10 + static_cast<int>(c - U'0'), 1 << 20);
    }
  }
  return out;
}

}  // namespace

std::uint32_t ansi_palette(int index) noexcept {
  if (index < 0 || index > 255) return CellStyle::kDefaultColour;
  if (index < 16) return kAnsi16[static_cast<std::size_t>(index)];
  if (index < 232) {
    const int i = index - 16;
    const auto level = [](int v) { return static_cast<std::uint32_t>(v == 0 ? 0 : 55 + v * 40); };
    return (level(i / 36) << 16) | (level(i / 6 % 6) << 8) | level(i % 6);
  }
  const auto grey = static_cast<std::uint32_t>(8 + (index - 232) * 10);
  return (grey << 16) | (grey << 8) | grey;
}

AnsiFilter::AnsiFilter(AnsiMode mode, int tab_width, bool cr_overwrites)
    : mode_(mode), tab_width_(std::max(tab_width, 1)), cr_overwrites_(cr_overwrites) {}

void AnsiFilter::emit(char32_t cp, const CellStyle& style, std::u32string& text, std::vector<CellStyle>& styles) {
  if (!styled_ && !style.is_default()) {
    styled_ = true;
    styles.resize(text.size());
  }
  text.push_back(cp);
  if (styled_) styles.push_back(style);
}

void AnsiFilter::flush_line(std::u32string& text, std::vector<CellStyle>& styles) {
  for (const auto& cell : line_) emit(cell.cp, cell.style, text, styles);
  line_.clear();
  cursor_ = 0;
  editing_ = false;
  after_backspace_ = false;
}

void AnsiFilter::put(char32_t cp) {
  editing_ = true;
  if (cursor_ < line_.size()) {
    Cell& cell = line_[cursor_];
    if (after_backspace_ && cell.cp == cp && cp != U' ') {
      cell.style.flags |= CellStyle::kBold;  // X\bX
    } else if (after_backspace_ && cell.cp == U'_' && cp != U'_') {
      cell.cp = cp;  // _\bX
      cell.style.flags |= CellStyle::kUnderline;
    } else if (after_backspace_ && cp == U'_') {
      cell.style.flags |= CellStyle::kUnderline;  // X\b_
    } else {
      cell = {cp, style_};
    }
  } else {
    while (line_.size() < cursor_) line_.push_back({U' ', CellStyle{}});
    line_.push_back({cp, style_});
  }
  if (mode_ == AnsiMode::kStrip) line_[cursor_].style = CellStyle{};
  ++cursor_;
  after_backspace_ = false;
}

void AnsiFilter::sgr() {
  const auto n = numbers(params_);
  for (std::size_t i = 0; i < n.size(); ++i) {
    const int p = n[i];
    auto& f = style_.flags;
    if (p == 0)
      style_ = CellStyle{};
    else if (p == 1)
      f = static_cast<std::uint8_t>(f | CellStyle::kBold);
    else if (p == 2)
      f = static_cast<std::uint8_t>(f | CellStyle::kFaint);
    else if (p == 3)
      f = static_cast<std::uint8_t>(f | CellStyle::kItalic);
    else if (p == 4)
      f = static_cast<std::uint8_t>(f | CellStyle::kUnderline);
    else if (p == 7)
      f = static_cast<std::uint8_t>(f | CellStyle::kInverse);
    else if (p == 22)
      f = static_cast<std::uint8_t>(f & ~(CellStyle::kBold | CellStyle::kFaint));
    else if (p == 23)
      f = static_cast<std::uint8_t>(f & ~CellStyle::kItalic);
    else if (p == 24)
      f = static_cast<std::uint8_t>(f & ~CellStyle::kUnderline);
    else if (p == 27)
      f = static_cast<std::uint8_t>(f & ~CellStyle::kInverse);
    else if (p >= 30 && p <= 37)
      style_.foreground = ansi_palette(p - 30);
    else if (p == 39)
      style_.foreground = CellStyle::kDefaultColour;
    else if (p >= 40 && p <= 47)
      style_.background = ansi_palette(p - 40);
    else if (p == 49)
      style_.background = CellStyle::kDefaultColour;
    else if (p >= 90 && p <= 97)
      style_.foreground = ansi_palette(p - 90 + 8);
    else if (p >= 100 && p <= 107)
      style_.background = ansi_palette(p - 100 + 8);
    else if ((p == 38 || p == 48) && i + 1 < n.size()) {
      std::uint32_t colour = CellStyle::kDefaultColour;
      if (n[i + 1] == 5 && i + 2 < n.size()) {
        colour = ansi_palette(n[i + 2]);
        i += 2;
      } else if (n[i + 1] == 2 && i + 4 < n.size()) {
        colour = (static_cast<std::uint32_t>(std::min(n[i + 2], 255)) << 16) |
                 (static_cast<std::uint32_t>(std::min(n[i + 3], 255)) << 8) |
                 static_cast<std::uint32_t>(std::min(n[i + 4], 255));
        i += 4;
      } else {
        break;
      }
      (p == 38 ? style_.foreground : style_.background) = colour;
    }
  }
}

void AnsiFilter::csi(char32_t final_byte) {
  if (!params_.empty() && (params_[0] == U'?' || params_[0] == U'>' || params_[0] == U'<' || params_[0] == U'=')) {
    return;  // private modes (cursor visibility, bracketed paste...)
  }
  const auto n = numbers(params_);
  const auto count = static_cast<std::size_t>(std::max(n[0], 1));
  switch (final_byte) {
    case U'm':
      if (mode_ == AnsiMode::kRender) sgr();
      break;
    case U'K':  // erase in line
      editing_ = true;
      if (n[0] == 0 && cursor_ < line_.size()) line_.resize(cursor_);
      if (n[0] == 1) {
        for (std::size_t i = 0; i < std::min(cursor_ + 1, line_.size()); ++i) line_[i] = {U' ', CellStyle{}};
      }
      if (n[0] == 2) line_.clear();
      break;
    case U'G':  // cursor to column
      editing_ = true;
      cursor_ = count - 1;
      break;
    case U'C':  // cursor forward
      editing_ = true;
      cursor_ += count;
      break;
    case U'D':  // cursor back
      editing_ = true;
      cursor_ = cursor_ > count ? cursor_ - count : 0;
      break;
    default:
      break;  // cursor up/down, screen erase, scrolling: nothing a page can show
  }
}

void AnsiFilter::feed(std::u32string_view in, std::u32string& text, std::vector<CellStyle>& styles) {
  if (mode_ == AnsiMode::kShow) {
    text.append(in);
    if (styled_) styles.resize(text.size());
    return;
  }
  while (!in.empty()) {
    // Whole plain lines with nothing pending go straight through (the plain-text path: a copy);
    // a line with an escape, a backspace, a CR or a tab, and an unfinished last line (a CR or an
    // escape may still edit it), go through the line model.
    if (!editing_ && state_ == State::kText && !after_cr_ && style_.is_default()) {
      const auto special = std::find_if(in.begin(), in.end(), is_special);
      auto plain_end = in.rfind(U'\n', static_cast<std::size_t>(special - in.begin()));
      if (special == in.end()) plain_end = in.rfind(U'\n');
      if (plain_end != std::u32string_view::npos) {
        text.append(in.substr(0, plain_end + 1));
        if (styled_) styles.resize(text.size());
        in.remove_prefix(plain_end + 1);
        if (in.empty()) return;
      }
    }
    // The line model up to the end of the current line (then the fast path may take over again).
    std::size_t used = 0;
    while (used < in.size()) {
      const char32_t cp = in[used++];
      step(cp, text, styles);
      if (cp == U'\n' && !editing_ && state_ == State::kText && style_.is_default()) break;
    }
    in.remove_prefix(used);
  }
}

void AnsiFilter::step(char32_t cp, std::u32string& text, std::vector<CellStyle>& styles) {
  {
    switch (state_) {
      case State::kEscape:
        if (cp == U'[') {
          state_ = State::kCsi;
          params_.clear();
        } else if (cp == U']') {
          state_ = State::kOsc;
        } else if (cp >= 0x20 && cp <= 0x2F) {
          state_ = State::kEscapeIntermediate;  // ESC ( B and other designations
        } else {
          state_ = State::kText;  // ESC 7, ESC =, ESC M...: dropped
        }
        return;
      case State::kEscapeIntermediate:
        if (cp < 0x20 || cp > 0x2F) state_ = State::kText;
        return;
      case State::kCsi:
        if (cp >= 0x40 && cp <= 0x7E) {
          state_ = State::kText;
          csi(cp);
        } else if (cp >= 0x20 && cp <= 0x3F) {
          params_.push_back(cp);
        } else {
          state_ = State::kText;  // malformed: drop the sequence, keep the character below
          break;
        }
        return;
      case State::kOsc:
        if (cp == kBell || cp == U'\n') state_ = State::kText;
        if (cp == kEscape) state_ = State::kOscEscape;
        return;
      case State::kOscEscape:
        state_ = cp == U'\\' ? State::kText : State::kOsc;
        return;
      case State::kText:
        break;
    }
    if (after_cr_) {
      after_cr_ = false;
      if (cp != U'\n') {
        cursor_ = 0;  // carriage return: the line is written over
        after_backspace_ = false;
      }
    }
    switch (cp) {
      case kEscape:
        saw_escapes_ = true;
        state_ = State::kEscape;
        break;
      case kCsi8:
        saw_escapes_ = true;
        state_ = State::kCsi;
        params_.clear();
        break;
      case kBell:
        break;
      case kBackspace:
        saw_escapes_ = true;
        editing_ = true;
        if (cursor_ > 0) --cursor_;
        after_backspace_ = true;
        break;
      case U'\r':
        if (!cr_overwrites_) {
          flush_line(text, styles);
          emit(cp, CellStyle{}, text, styles);
        } else {
          after_cr_ = true;
          editing_ = true;
        }
        break;
      case U'\t': {
        const auto stop = static_cast<std::size_t>(tab_width_);
        const std::size_t next = (cursor_ / stop + 1) * stop;
        while (cursor_ < next) {
          if (cursor_ < line_.size()) {
            ++cursor_;
          } else {
            put(U' ');
          }
        }
        break;
      }
      case U'\n':
      case U'\f':
        flush_line(text, styles);
        emit(cp, CellStyle{}, text, styles);
        break;
      default:
        put(cp);
    }
  }
}

void AnsiFilter::finish(std::u32string& text, std::vector<CellStyle>& styles) {
  flush_line(text, styles);
  after_cr_ = false;
  state_ = State::kText;
}

}  // namespace txt2pdf
