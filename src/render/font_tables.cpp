#include "txt2pdf/render/font_tables.hpp"

#include <algorithm>
#include <cstdio>

namespace txt2pdf {
namespace {

std::uint16_t be16(const unsigned char* bytes) { return static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]); }

}  // namespace

std::optional<std::uint16_t> format4_glyph(const Format4Cmap& cmap, char32_t cp) {
  if (cmap.segments == 0 || cmap.end_codes[cmap.segments - 1] != 0xFFFF || cp > 0xFFFF) return std::nullopt;
  const auto* end = std::lower_bound(cmap.end_codes, cmap.end_codes + cmap.segments, cp);
  const auto i = static_cast<std::size_t>(end - cmap.end_codes);
  if (cmap.start_codes[i] > cp) return std::uint16_t{0};
  const auto delta = static_cast<std::uint16_t>(cmap.id_deltas[i]);
  if (cmap.id_range_offsets[i] == 0) return static_cast<std::uint16_t>(cp + delta);
  // idRangeOffset counts bytes from its own entry; glyphIdArray follows the segments' entries.
  const std::size_t index = cmap.id_range_offsets[i] / 2u + (cp - cmap.start_codes[i]) - (cmap.segments - i);
  if (index >= cmap.glyph_id_count) return std::uint16_t{0};
  const auto glyph = cmap.glyph_ids[index];
  return glyph == 0 ? std::uint16_t{0} : static_cast<std::uint16_t>(glyph + delta);
}

// Glyph format: OpenType spec, 'glyf' table (composite glyph description).
std::vector<std::uint16_t> composite_components(const unsigned char* glyph, std::size_t length) {
  std::vector<std::uint16_t> components;
  if (length <= 10 || static_cast<std::int16_t>(be16(glyph)) >= 0) return components;  // empty or simple
  std::size_t at = 10;  // after numberOfContours and the bounding box
  while (at + 4 <= length) {
    const auto flags = be16(glyph + at);
    components.push_back(be16(glyph + at + 2));
    at += 4 + ((flags & 0x0001u) != 0 ? 4 : 2);  // ARG_1_AND_2_ARE_WORDS
    if ((flags & 0x0008u) != 0)
      at += 2;  // WE_HAVE_A_SCALE
    else if ((flags & 0x0040u) != 0)
      at += 4;  // WE_HAVE_AN_X_AND_Y_SCALE
    else if ((flags & 0x0080u) != 0)
      at += 8;                          // WE_HAVE_A_TWO_BY_TWO
    if ((flags & 0x0020u) == 0) break;  // MORE_COMPONENTS
  }
  return components;
}

std::string utf16be_with_bom(std::string_view utf8) {
  std::string out = "\xFE\xFF";
  std::size_t at = 0;
  while (at < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[at]);
    char32_t cp = lead;
    std::size_t length = 1;
    if (lead >= 0xF0)
      cp = lead & 0x07u, length = 4;
    else if (lead >= 0xE0)
      cp = lead & 0x0Fu, length = 3;
    else if (lead >= 0xC0)
      cp = lead & 0x1Fu, length = 2;
    for (std::size_t i = 1; i < length && at + i < utf8.size(); ++i) {
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[at + i]) & 0x3Fu);
    }
    at += length;
    auto put = [&out](char32_t unit) {
      out += static_cast<char>((unit >> 8) & 0xFFu);
      out += static_cast<char>(unit & 0xFFu);
    };
    if (cp >= 0x10000) {
      put(0xD800 + ((cp - 0x10000) >> 10));
      put(0xDC00 + ((cp - 0x10000) & 0x3FFu));
    } else {
      put(cp);
    }
  }
  return out;
}

std::string identity_to_unicode_cmap(const std::vector<std::int16_t>& used) {
  std::vector<unsigned> high_bytes;
  for (unsigned high = 0; high < 256; ++high) {
    for (unsigned low = 0; low < 256; ++low) {
      if (used[high * 256 + low] >= 0) {
        high_bytes.push_back(high);
        break;
      }
    }
  }
  std::string cmap =
      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  for (std::size_t start = 0; start < high_bytes.size(); start += 100) {
    const std::size_t count = std::min<std::size_t>(100, high_bytes.size() - start);
    cmap += std::to_string(count) + " beginbfrange\n";
    for (std::size_t i = start; i < start + count; ++i) {
      char line[32];
      std::snprintf(line, sizeof line, "<%02X00> <%02XFF> <%02X00>\n", high_bytes[i], high_bytes[i], high_bytes[i]);
      cmap += line;
    }
    cmap += "endbfrange\n";
  }
  cmap += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
  return cmap;
}

}  // namespace txt2pdf
