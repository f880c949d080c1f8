// Terminal output as a terminal would show it (pure: code points in, code points and styles out).
// ANSI escape sequences (ECMA-48): SGR colours (16, 256, 24-bit), bold, faint, italic, underline,
// inverse and reset become styles; cursor movement within the line (CR, CHA, CUF, CUB, EL) edits
// the line, so a progress bar redrawn with \r leaves its last state; other sequences (OSC titles,
// charset designations, private modes) are dropped. Overstrike (nroff, `man -P cat`): X\bX is
// bold X, _\bX underlined X. Each character comes out once, so extracted text is the plain text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "txt2pdf/render/text_layout.hpp"

namespace txt2pdf {

enum class AnsiMode {
  kRender,  // draw the styles (default)
  kStrip,   // drop the escapes, draw plain text (overstrike still collapsed)
  kShow,    // leave everything in the text (escapes shown as ^[[31m, backspaces as ^H)
};

class AnsiFilter {
 public:
  // `cr_overwrites`: a lone CR returns to the start of the line (terminal output); false when CR
  // is the file's line end (classic Mac OS text). Tabs are expanded here with `tab_width`.
  AnsiFilter(AnsiMode mode, int tab_width, bool cr_overwrites);

  // Appends the filtered text of `in` to `text`, and to `styles` one style per character once any
  // character has had a style other than the default (`styles` stays empty for plain text). A line
  // being edited is held back until its line end (or finish()).
  void feed(std::u32string_view in, std::u32string& text, std::vector<CellStyle>& styles);
  void finish(std::u32string& text, std::vector<CellStyle>& styles);

  // Whether any escape sequence or overstrike was seen.
  [[nodiscard]] bool saw_escapes() const noexcept { return saw_escapes_; }

 private:
  enum class State { kText, kEscape, kCsi, kOsc, kOscEscape, kEscapeIntermediate };
  void step(char32_t cp, std::u32string& text, std::vector<CellStyle>& styles);
  void put(char32_t cp);
  void flush_line(std::u32string& text, std::vector<CellStyle>& styles);
  void emit(char32_t cp, const CellStyle& style, std::u32string& text, std::vector<CellStyle>& styles);
  void csi(char32_t final_byte);
  void sgr();

  struct Cell {
    char32_t cp;
    CellStyle style;
  };
  AnsiMode mode_;
  int tab_width_;
  bool cr_overwrites_;
  State state_ = State::kText;
  std::u32string params_;   // CSI parameter bytes
  std::vector<Cell> line_;  // the line being edited
  std::size_t cursor_ = 0;
  bool editing_ = false;  // line_ holds characters (or the cursor moved)
  bool after_backspace_ = false;
  bool after_cr_ = false;
  bool styled_ = false;  // some style was set: `styles` is filled from then on
  bool saw_escapes_ = false;
  CellStyle style_;
};

// The 256-colour palette of xterm (0-15 the ANSI colours, 16-231 a 6x6x6 cube, 232-255 greys), RGB.
[[nodiscard]] std::uint32_t ansi_palette(int index) noexcept;

}  // namespace txt2pdf
