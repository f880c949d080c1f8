#include "txt2pdf/render/font_tables.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace txt2pdf {
namespace {

int be16_signed(const unsigned char* bytes) { return static_cast<std::int16_t>((bytes[0] << 8) | bytes[1]); }
std::uint32_t be32(const unsigned char* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
}

}  // namespace

CidWidths cid_widths(const std::vector<std::pair<char32_t, int>>& drawn) {
  CidWidths result;
  std::map<int, std::size_t> counts;
  for (const auto& [cp, width] : drawn) ++counts[width];
  std::size_t best_count = 0;
  for (const auto& [width, count] : counts) {
    if (count > best_count) result.default_width = width, best_count = count;
  }
  for (const auto& [cp, width] : drawn) {
    if (width == result.default_width) continue;
    auto& runs = result.runs;
    if (!runs.empty() && runs.back().last + 1 == cp && runs.back().width == width) {
      runs.back().last = cp;
    } else {
      runs.push_back({cp, cp, width});
    }
  }
  return result;
}

std::string cid_to_gid_map(const std::vector<std::pair<char32_t, std::uint16_t>>& glyphs) {
  std::string bytes(glyphs.empty() ? 2 : (std::size_t{glyphs.back().first} + 1) * 2, '\0');
  for (const auto& [cid, glyph] : glyphs) {
    const std::size_t at = std::size_t{cid} * 2;
    bytes[at] = static_cast<char>(glyph >> 8);
    bytes[at + 1] = static_cast<char>(glyph & 0xFFu);
  }
  return bytes;
}

// 'head': OpenType spec, font header table (magicNumber at 12, xMin..yMax at 36).
std::optional<std::array<int, 4>> head_bounding_box(std::string_view head) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(head.data());
  if (head.size() < 54 || be32(bytes + 12) != 0x5F0F3CF5u) return std::nullopt;
  return std::array<int, 4>{be16_signed(bytes + 36), be16_signed(bytes + 38), be16_signed(bytes + 40),
                            be16_signed(bytes + 42)};
}

// 'post': OpenType spec, PostScript table (isFixedPitch, a uint32, at 12).
bool post_is_fixed_pitch(std::string_view post) {
  return post.size() >= 16 && be32(reinterpret_cast<const unsigned char*>(post.data()) + 12) != 0;
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

std::string identity_to_unicode_cmap(const std::vector<char32_t>& code_points) {
  std::vector<unsigned> high_bytes;
  for (const char32_t cp : code_points) {
    const auto high = static_cast<unsigned>(cp >> 8);
    if (high < 256 && (high_bytes.empty() || high_bytes.back() != high)) high_bytes.push_back(high);
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
