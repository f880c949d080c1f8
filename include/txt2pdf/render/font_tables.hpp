// Pure pieces of the font plumbing, apart from libharu (pdf.cpp adapts libharu's structures to
// them): the format 4 cmap look-up, the components of composite glyphs, and the two strings PDF
// needs for Unicode text (a ToUnicode CMap and UTF-16BE text strings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace txt2pdf {

// A 'cmap' format 4 subtable as parsed: its arrays in host byte order, glyphIdArray separate.
struct Format4Cmap {
  const std::uint16_t* end_codes;
  const std::uint16_t* start_codes;
  const std::int16_t* id_deltas;
  const std::uint16_t* id_range_offsets;
  std::size_t segments;
  const std::uint16_t* glyph_ids;  // glyphIdArray
  std::size_t glyph_id_count;
};

// The glyph of `cp` by the OpenType algorithm with a binary search for its segment (0: none).
// Empty when the table breaks what the search relies on: end codes ascending, the last 0xFFFF.
[[nodiscard]] std::optional<std::uint16_t> format4_glyph(const Format4Cmap& cmap, char32_t cp);

// The glyph ids a 'glyf' entry is built from: empty for a simple glyph, an empty one, or bytes
// that end too soon (nothing is read past `length`).
[[nodiscard]] std::vector<std::uint16_t> composite_components(const unsigned char* glyph, std::size_t length);

// A ToUnicode CMap for a font whose codes are UTF-16BE BMP code points (CID = code point): one
// bfrange per high byte in use (`used[cp]` >= 0; 65,536 entries), at most 100 per block as the
// format requires.
[[nodiscard]] std::string identity_to_unicode_cmap(const std::vector<std::int16_t>& used);

// UTF-8 to UTF-16BE with a byte order mark: how PDF text strings carry non-ASCII text.
[[nodiscard]] std::string utf16be_with_bom(std::string_view utf8);

}  // namespace txt2pdf
