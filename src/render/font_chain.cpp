// FontChain (render_writer.hpp): which font draws each character, Courier for Windows-1252 text,
// DejaVu Sans Mono, then Debian's known fallbacks (fonts.hpp), then fontconfig's for the rest, in
// the face (bold, oblique) asked for.
#include <algorithm>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/fonts.hpp"
#include "txt2pdf/render/render_writer.hpp"
#include "txt2pdf/render/text_decode.hpp"

namespace txt2pdf {

FontChain::FontChain(PdfDocument& pdf, bool latin_mode) : pdf_(pdf), latin_mode_(latin_mode) {}

FontChain::~FontChain() = default;

int FontChain::primary() {
  if (primary_ < 0) {
    const auto path = primary_font_path();
    primary_ = pdf_.load_truetype(path);
    paths_.push_back(path);
  }
  return primary_;
}

FontChain::Glyph FontChain::resolve(char32_t cp) {
  if (latin_mode_ && cp < 0x80) return {PdfDocument::kCourier, cp};
  if (cp <= 0xFFFF) {
    // Allocated on first use: ASCII in Courier never needs it (64 KB is 16 page faults).
    if (bmp_font_.empty()) bmp_font_.assign(0x10000, std::int8_t{-2});
    auto& font = bmp_font_[cp];
    if (font == -2) font = static_cast<std::int8_t>(find_font(cp));
    if (font >= 0) return {font, cp};
  }
  return {primary(), 0xFFFD, true};
}

int FontChain::find_font(char32_t cp) {
  if (latin_mode_ && unicode_to_windows_1252(cp) != 0) return PdfDocument::kCourier;
  if (cp >= 0xD800 && cp <= 0xDFFF) return -1;
  const int first = primary();
  if (pdf_.has_glyph(first, cp)) return first;
  for (const int font : fallbacks_) {
    if (pdf_.has_glyph(font, cp)) return font;
  }
  if (const auto known = known_fallback_font(cp);
      known && std::find(paths_.begin(), paths_.end(), *known) == paths_.end()) {
    const int font = pdf_.load_truetype(*known);
    fallbacks_.push_back(font);
    paths_.push_back(*known);
    if (pdf_.has_glyph(font, cp)) return font;
  }
  auto& finder = FallbackFontFinder::shared();
  std::vector<std::string> exclude = paths_;
  // fontconfig's character set (FreeType's reading of every cmap) and the cmap HarfBuzz picks can
  // disagree: verify.
  for (int attempt = 0; attempt < 4 && paths_.size() < 100; ++attempt) {
    const auto path = finder.find(cp, exclude);
    if (!path) return -1;
    const int font = pdf_.load_truetype(*path);
    fallbacks_.push_back(font);
    paths_.push_back(*path);
    exclude.push_back(*path);
    if (pdf_.has_glyph(font, cp)) return font;
  }
  return -1;
}

int FontChain::courier(int face) {
  static const char* const kNames[4] = {"Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique"};
  auto& font = courier_faces_[face & 3];
  if (font == -2) font = pdf_.load_builtin(kNames[face & 3]);
  return font;
}

// DejaVu Sans Mono's bold and oblique files beside the regular one (fonts-dejavu-core ships the
// bold one, fonts-dejavu-extra the oblique ones; a face whose file is missing falls back to the
// regular one).
int FontChain::dejavu(int face) {
  auto& font = dejavu_faces_[face & 3];
  if (font != -2) return font;
  static const char* const kSuffix[4] = {"", "-Bold", "-Oblique", "-BoldOblique"};
  const int regular = primary();
  std::string path = paths_.front();
  const auto dot = path.rfind(".ttf");
  font = -1;
  if (dot == std::string::npos) return font;
  path.insert(dot, kSuffix[face & 3]);
  if (face == 0) return font = regular;
  if (!is_truetype_glyf(path)) return font;
  font = pdf_.load_truetype(path);
  paths_.push_back(path);
  return font;
}

FontChain::Glyph FontChain::resolve(char32_t cp, int face) {
  const Glyph glyph = resolve(cp);
  if (face == 0 || glyph.missing) return glyph;
  if (glyph.font == PdfDocument::kCourier) return {courier(face), glyph.code};
  if (glyph.font == primary_) {
    const int font = dejavu(face);
    if (font >= 0 && pdf_.has_glyph(font, glyph.code)) return {font, glyph.code};
  }
  return glyph;
}

std::vector<std::string> FontChain::font_names() const {
  std::vector<std::string> names;
  if (latin_mode_) names.emplace_back("Courier");
  static const char* const kNames[4] = {"Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique"};
  for (int face = 1; face < 4; ++face) {
    if (courier_faces_[face] >= 0) names.emplace_back(kNames[face]);
  }
  names.insert(names.end(), paths_.begin(), paths_.end());
  return names;
}

}  // namespace txt2pdf
