// The rewrites of libharu 2.3.0's private structures (see libharu_internals.hpp): the cmap swap
// for a fast UTF-8 font load, the subset flags, the font descriptor, and the /W, CIDToGIDMap and
// ToUnicode of UTF-8 fonts written for the characters actually drawn. libharu computes the first
// two for the whole BMP (a linear cmap search per code point: tens of milliseconds per CJK font,
// and a 128 KB map in the file) and fills the third with its *encoding* CMap ("begincidrange":
// invalid there, one poppler warning per page).
#include "libharu_internals.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/font_tables.hpp"

namespace txt2pdf::libharu {
namespace {

HPDF_TTFontDefAttr tt_attr(HPDF_FontDef def) { return static_cast<HPDF_TTFontDefAttr>(def->attr); }
HPDF_FontAttr font_attr(HPDF_Font font) { return static_cast<HPDF_FontAttr>(font->attr); }

// The most common declared width: the font's /DW, so /W lists only the exceptions.
int default_width(const std::vector<std::int16_t>& widths) {
  std::map<int, std::size_t> counts;
  for (const auto width : widths) {
    if (width >= 0) ++counts[width];
  }
  int best = 600;
  std::size_t best_count = 0;
  for (const auto& [width, count] : counts) {
    if (count > best_count) best = width, best_count = count;
  }
  return best;
}

}  // namespace

// libharu calls this on every failure: record and return (never throw through C frames).
void HPDF_STDCALL record_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) noexcept {
  auto* state = static_cast<ErrorState*>(user);
  if (state->code == HPDF_OK) {
    state->code = code;
    state->detail = detail;
  }
}

void check(const ErrorState& error, bool ok, const char* what) {
  if (ok && error.code == HPDF_OK) return;
  char text[160];
  std::snprintf(text, sizeof text, "libharu failed in %s: error 0x%04X, detail %u", what,
                static_cast<unsigned>(error.code), static_cast<unsigned>(error.detail));
  throw Error(ErrorKind::kInternal, text);
}

HPDF_FontDef fontdef_of(HPDF_Font font) { return font_attr(font)->fontdef; }

HPDF_UINT16 look_up_glyph(HPDF_FontDef def, char32_t cp) {
  const auto& cmap = tt_attr(def)->cmap;
  if (cmap.format == 4) {
    const Format4Cmap view{cmap.end_count,           cmap.start_count,       cmap.id_delta,
                           cmap.id_range_offset,     cmap.seg_count_x2 / 2u, cmap.glyph_id_array,
                           cmap.glyph_id_array_count};
    if (const auto glyph = format4_glyph(view, cp)) return *glyph;
  }
  return HPDF_TTFontDef_GetGlyphid(def, static_cast<HPDF_UINT16>(cp));
}

// For a UTF-8 font libharu looks up the glyph of every BMP code point (65,536 linear searches of
// the cmap's segments: most of a CJK font's load time) to build /W and the CIDToGIDMap, both
// rewritten at save for the characters drawn. So while it runs, the font's cmap is swapped for
// one that maps only U+0020 (it fails when no code point has a glyph), and restored after.
HPDF_Font get_utf8_font(HPDF_Doc doc, const char* name, HPDF_UINT16 space) {
  HPDF_FontDef def = HPDF_GetFontDef(doc, name);
  if (def == nullptr || def->type != HPDF_FONTDEF_TYPE_TRUETYPE || space == 0) {
    return HPDF_GetFont(doc, name, "UTF-8");
  }
  auto& cmap = tt_attr(def)->cmap;
  const HPDF_TTF_CmapRange saved = cmap;
  // Two segments: U+0020 -> `space` (by delta), and the 0xFFFF segment a format 4 cmap ends with.
  HPDF_UINT16 end_codes[2] = {0x20, 0xFFFF};
  HPDF_UINT16 start_codes[2] = {0x20, 0xFFFF};
  HPDF_INT16 deltas[2] = {static_cast<HPDF_INT16>(space - 0x20), 1};
  HPDF_UINT16 range_offsets[2] = {0, 0};
  cmap.format = 4;
  cmap.seg_count_x2 = 4;
  cmap.end_count = end_codes;
  cmap.start_count = start_codes;
  cmap.id_delta = deltas;
  cmap.id_range_offset = range_offsets;
  cmap.glyph_id_array_count = 0;
  HPDF_Font handle = HPDF_GetFont(doc, name, "UTF-8");
  cmap = saved;
  return handle;
}

void mark_glyph(HPDF_FontDef def, HPDF_UINT16 glyph) {
  // The flag libharu's subsetter keeps glyphs by (what HPDF_Font_GetUnicodeWidth sets).
  auto* tt = tt_attr(def);
  if (glyph < tt->num_glyphs) tt->glyph_tbl.flgs[glyph] = 1;
}

std::vector<std::uint16_t> marked_glyphs(HPDF_FontDef def) {
  auto* tt = tt_attr(def);
  std::vector<std::uint16_t> glyphs;
  for (std::uint16_t gid = 0; gid < tt->num_glyphs; ++gid) {
    if (tt->glyph_tbl.flgs[gid] != 0) glyphs.push_back(gid);
  }
  return glyphs;
}

// libharu 2.3.0 subsets TrueType fonts by the glyphs it was asked for, but does not follow
// composite glyphs to their components: accented letters (U+03AD, U+00F3 in some fonts) and most
// of Droid Sans Fallback's CJK ideographs came out blank or half drawn. Mark every component used
// (recursively) so the subset contains it. Glyph format: OpenType spec, 'glyf' table.
void mark_composite_components(HPDF_FontDef def, std::string_view file) {
  auto* tt = tt_attr(def);
  if (tt == nullptr || tt->glyph_tbl.flgs == nullptr || tt->glyph_tbl.offsets == nullptr) return;
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  std::vector<std::uint16_t> work = marked_glyphs(def);
  while (!work.empty()) {
    const auto gid = work.back();
    work.pop_back();
    const std::size_t start = std::size_t{tt->glyph_tbl.base_offset} + tt->glyph_tbl.offsets[gid];
    const std::size_t end =
        std::min(std::size_t{tt->glyph_tbl.base_offset} + tt->glyph_tbl.offsets[gid + 1], file.size());
    if (end <= start) continue;  // empty glyph, or past the end of the file
    for (const auto component : composite_components(bytes + start, end - start)) {
      if (component < tt->num_glyphs && tt->glyph_tbl.flgs[component] == 0) {
        tt->glyph_tbl.flgs[component] = 1;
        work.push_back(component);
      }
    }
  }
}

const char* load_truetype(HPDF_Doc doc, const ErrorState& error, HPDF_Stream stream) {
  // What libharu's static LoadTTFontFromStream does after opening the file.
  HPDF_FontDef def = HPDF_TTFontDef_Load(doc->mmgr, stream, HPDF_TRUE);
  check(error, def != nullptr, "HPDF_TTFontDef_Load");
  if (HPDF_Doc_FindFontDef(doc, def->base_font) != nullptr) {
    HPDF_FontDef_Free(def);
    check(error, false, "HPDF_TTFontDef_Load: a font of this name is loaded already");
  }
  if (HPDF_List_Add(doc->fontdef_list, def) != HPDF_OK) {
    HPDF_FontDef_Free(def);
    check(error, false, "HPDF_List_Add");
  }
  // The subset tag: AAAAAA, then counting up from the last letter (HPDFAA, HPDFAB, ...).
  auto& tag = doc->ttfont_tag;
  if (tag[0] == 0) {
    std::memcpy(tag, "HPDFAA", sizeof tag);
  } else {
    for (int i = 5; i >= 0; --i) {
      if (++tag[i] <= 'Z') break;
      tag[i] = 'A';
    }
  }
  HPDF_TTFontDef_SetTagName(def, reinterpret_cast<char*>(tag));
  return def->base_font;
}

// libharu's own subset of a font program: the glyphs drawn, but the whole loca, hmtx and cmap.
std::string libharu_font_program(HPDF_Doc doc, const ErrorState& error, HPDF_FontDef def) {
  std::unique_ptr<HPDF_Stream_Rec, decltype(&HPDF_Stream_Free)> program(HPDF_MemStream_New(doc->mmgr, 256 * 1024),
                                                                        &HPDF_Stream_Free);
  check(error, program != nullptr, "HPDF_MemStream_New");
  check_status(error, HPDF_TTFontDef_SaveFontData(def, program.get()), "HPDF_TTFontDef_SaveFontData");
  std::string bytes;
  bytes.reserve(HPDF_Stream_Size(program.get()));
  for (HPDF_UINT i = 0; i < HPDF_MemStream_GetBufCount(program.get()); ++i) {
    HPDF_UINT length = 0;
    const HPDF_BYTE* chunk = HPDF_MemStream_GetBufPtr(program.get(), i, &length);
    check(error, chunk != nullptr, "HPDF_MemStream_GetBufPtr");
    bytes.append(reinterpret_cast<const char*>(chunk), length);
  }
  return bytes;
}

bool needs_font_program(HPDF_Font font) {
  HPDF_FontDef def = fontdef_of(font);
  return def->descriptor == nullptr && tt_attr(def)->embedding;
}

void add_font_descriptor(HPDF_Doc doc, const ErrorState& error, HPDF_Font font, HPDF_Dict font_file) {
  HPDF_FontDef def = fontdef_of(font);
  auto* tt = tt_attr(def);
  HPDF_Dict descriptor = HPDF_Dict_New(doc->mmgr);
  check(error, descriptor != nullptr, "HPDF_Dict_New");
  check_status(error, HPDF_Xref_Add(doc->xref, descriptor), "HPDF_Xref_Add");
  HPDF_STATUS status = HPDF_Dict_AddName(descriptor, "Type", "FontDescriptor");
  status += HPDF_Dict_AddName(descriptor, "FontName", tt->base_font);
  status += HPDF_Dict_AddNumber(descriptor, "Flags", static_cast<HPDF_INT32>(def->flags));
  status += HPDF_Dict_Add(descriptor, "FontBBox", HPDF_Box_Array_New(doc->mmgr, def->font_bbox));
  status += HPDF_Dict_AddNumber(descriptor, "ItalicAngle", def->italic_angle);
  status += HPDF_Dict_AddNumber(descriptor, "Ascent", def->ascent);
  status += HPDF_Dict_AddNumber(descriptor, "Descent", def->descent);
  status += HPDF_Dict_AddNumber(descriptor, "CapHeight", static_cast<HPDF_INT32>(def->cap_height));
  status += HPDF_Dict_AddNumber(descriptor, "StemV", static_cast<HPDF_INT32>(def->stemv));
  status += HPDF_Dict_AddNumber(descriptor, "XHeight", static_cast<HPDF_INT32>(def->x_height));
  status += HPDF_Dict_Add(descriptor, "FontFile2", font_file);
  check_status(error, status, "font descriptor");
  def->descriptor = descriptor;
}

// Ranges "first last width" of consecutive code points whose width differs from /DW.
void replace_widths(HPDF_Doc doc, const ErrorState& error, HPDF_Font font, const std::vector<std::int16_t>& widths) {
  HPDF_Dict cid_font = font_attr(font)->descendant_font;
  const int dw = default_width(widths);
  HPDF_Array w = HPDF_Array_New(doc->mmgr);
  check(error, w != nullptr, "HPDF_Array_New");
  for (std::size_t cp = 0; cp < widths.size();) {
    const int width = widths[cp];
    if (width < 0 || width == dw) {
      ++cp;
      continue;
    }
    std::size_t last = cp;
    while (last + 1 < widths.size() && widths[last + 1] == width) ++last;
    check_status(error, HPDF_Array_AddNumber(w, static_cast<HPDF_INT32>(cp)), "/W");
    check_status(error, HPDF_Array_AddNumber(w, static_cast<HPDF_INT32>(last)), "/W");
    check_status(error, HPDF_Array_AddNumber(w, width), "/W");
    cp = last + 1;
  }
  HPDF_Dict_RemoveElement(cid_font, "W");
  HPDF_Dict_RemoveElement(cid_font, "DW");
  check_status(error, HPDF_Dict_AddNumber(cid_font, "DW", dw), "/DW");
  check_status(error, HPDF_Dict_Add(cid_font, "W", w), "/W");
}

void replace_cid_to_gid_map(const ErrorState& error, HPDF_Font font, const std::vector<std::uint16_t>& glyphs) {
  HPDF_Dict map = font_attr(font)->map_stream;
  check(error, map != nullptr && map->stream != nullptr, "CIDToGIDMap look-up");
  std::vector<HPDF_BYTE> bytes(glyphs.size() * 2, 0);
  for (std::size_t cid = 0; cid < glyphs.size(); ++cid) {
    bytes[cid * 2] = static_cast<HPDF_BYTE>(glyphs[cid] >> 8);
    bytes[cid * 2 + 1] = static_cast<HPDF_BYTE>(glyphs[cid] & 0xFFu);
  }
  HPDF_MemStream_FreeData(map->stream);
  check_status(error, HPDF_Stream_Write(map->stream, bytes.data(), static_cast<HPDF_UINT>(bytes.size())),
               "CIDToGIDMap write");
}

void replace_to_unicode(const ErrorState& error, HPDF_Font font, const std::vector<std::int16_t>& widths) {
  auto* cmap = static_cast<HPDF_Dict>(HPDF_Dict_GetItem(font, "ToUnicode", HPDF_OCLASS_DICT));
  check(error, cmap != nullptr && cmap->stream != nullptr, "ToUnicode look-up");
  for (const char* key : {"CIDSystemInfo", "CMapName", "WMode", "Type"}) HPDF_Dict_RemoveElement(cmap, key);
  HPDF_MemStream_FreeData(cmap->stream);
  const auto text = identity_to_unicode_cmap(widths);
  check_status(error,
               HPDF_Stream_Write(cmap->stream, reinterpret_cast<const HPDF_BYTE*>(text.data()),
                                 static_cast<HPDF_UINT>(text.size())),
               "ToUnicode write");
}

}  // namespace txt2pdf::libharu
