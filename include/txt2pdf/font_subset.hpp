// The embedded TrueType font programs, subset by HarfBuzz: only the glyphs drawn (and the
// components of composite glyphs), no hinting instructions, no layout tables, glyph ids kept so
// that the font's CIDToGIDMap stays valid. libharu's own subsetter keeps the whole loca, hmtx and
// cmap tables: 67 KB of font programs for a file of two CJK characters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace txt2pdf {

// `font_file` subset to `glyphs` (glyph ids; .notdef is always kept) and `code_points` (for its
// cmap). Throws Error(kInternal) when HarfBuzz cannot be loaded or cannot subset the font.
[[nodiscard]] std::string subset_truetype(std::string_view font_file, const std::vector<std::uint16_t>& glyphs,
                                          const std::vector<char32_t>& code_points);

}  // namespace txt2pdf
