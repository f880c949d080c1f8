// Pure pieces of the font plumbing, apart from libharu and HarfBuzz: what a Type0 font whose CIDs
// are code points needs beside its font program (/W, the CIDToGIDMap, a ToUnicode CMap), two
// fields of the 'head' and 'post' tables that HarfBuzz has no call for, and UTF-16BE text strings.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace txt2pdf {

// Consecutive code points [first, last] drawn with one width (1/1000 em).
struct WidthRun {
  char32_t first;
  char32_t last;
  int width;
};

// A CIDFont's /DW (the most common width, so that /W lists only the exceptions) and /W runs.
struct CidWidths {
  int default_width = 1000;
  std::vector<WidthRun> runs;
};

// /DW and /W for `drawn` (code point, width) pairs in ascending code point order. Code points
// not drawn are left out of /W (a run never spans one).
[[nodiscard]] CidWidths cid_widths(const std::vector<std::pair<char32_t, int>>& drawn);

// A CIDToGIDMap stream's bytes: the glyph of each CID (code point) as two big-endian bytes, from
// CID 0 to the last one in `glyphs` ((code point, glyph) pairs in ascending code point order), 0
// for the CIDs between.
[[nodiscard]] std::string cid_to_gid_map(const std::vector<std::pair<char32_t, std::uint16_t>>& glyphs);

// A ToUnicode CMap for a font whose codes are UTF-16BE BMP code points (CID = code point): one
// bfrange per high byte among `code_points` (ascending), at most 100 per block as the format
// requires.
[[nodiscard]] std::string identity_to_unicode_cmap(const std::vector<char32_t>& code_points);

// The font-wide bounding box of a 'head' table: xMin, yMin, xMax, yMax in font units. nullopt
// when the bytes are too short or lack the table's magic number.
[[nodiscard]] std::optional<std::array<int, 4>> head_bounding_box(std::string_view head);

// The isFixedPitch field of a 'post' table (false when the bytes are too short).
[[nodiscard]] bool post_is_fixed_pitch(std::string_view post);

// UTF-8 to UTF-16BE with a byte order mark: how PDF text strings carry non-ASCII text.
[[nodiscard]] std::string utf16be_with_bom(std::string_view utf8);

}  // namespace txt2pdf
