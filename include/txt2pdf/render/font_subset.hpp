// The embedded TrueType font programs, subset by HarfBuzz: only the glyphs drawn (and the
// components of composite glyphs), renumbered from 1 (.notdef is 0), no hinting instructions,
// no layout tables and no cmap (a CIDFontType2 reaches its glyphs through the CIDToGIDMap).
// (libharu's own subsetter, used before, kept the whole loca, hmtx and cmap tables: 67 KB of font
// programs for a file of two CJK characters.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace txt2pdf {

struct TrueTypeSubset {
  std::string font;                      // the font program
  std::vector<std::uint16_t> glyph_ids;  // the new id of each glyph asked for, in its order
};

// `font_file` subset to `glyphs` (glyph ids of `font_file`; .notdef is always kept), which are
// the glyphs of `characters` in the font's cmap (then the subset is planned from the characters,
// much faster) or else kept by id. Throws Error(kInternal) when HarfBuzz cannot be loaded or
// cannot read or subset the font.
[[nodiscard]] TrueTypeSubset subset_truetype(std::string_view font_file, const std::vector<std::uint16_t>& glyphs,
                                             const std::vector<char32_t>& characters = {});

}  // namespace txt2pdf
