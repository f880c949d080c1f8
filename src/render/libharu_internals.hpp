// Private to render/: the places where PdfDocument (pdf.cpp) reaches into libharu 2.3.0's
// private structures (hpdf_doc.h, hpdf_font.h, hpdf_fontdef.h, hpdf_pages.h: installed, but not
// its API). The font rewrites live in libharu_internals.cpp; pdf.cpp also reads the document's,
// pages' and streams' fields through this header. All of it was written against 2.3.0's layout,
// which later versions change (2.4 reorganised the font and page attributes): the build fails
// below on any other version rather than corrupt PDFs at run time.
#pragma once

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_encoder.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>
#include <hpdf_version.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

static_assert(HPDF_MAJOR_VERSION == 2 && HPDF_MINOR_VERSION == 3 && HPDF_BUGFIX_VERSION == 0,
              "src/render/libharu_internals.* rewrite libharu 2.3.0's private structures: check them "
              "against this libharu version before changing the version test");

namespace txt2pdf::libharu {

// What libharu's error handler reported first (it records and returns: never throws through C).
struct ErrorState {
  HPDF_STATUS code = HPDF_OK;
  HPDF_STATUS detail = 0;
};
void HPDF_STDCALL record_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) noexcept;

// Throws Error(kInternal) naming `what` and libharu's error when `ok` is false or libharu recorded
// an error.
void check(const ErrorState& error, bool ok, const char* what);
inline void check_status(const ErrorState& error, HPDF_STATUS status, const char* what) {
  check(error, status == HPDF_OK, what);
}

// The font definition of a font (HPDF_GetFont's result).
[[nodiscard]] HPDF_FontDef fontdef_of(HPDF_Font font);

// Glyph of a BMP code point in a TrueType font definition: font_tables.hpp's binary search of a
// format 4 cmap, libharu's linear search for other formats. 0: none.
[[nodiscard]] HPDF_UINT16 look_up_glyph(HPDF_FontDef def, char32_t cp);

// HPDF_GetFont(doc, name, "UTF-8") without libharu's glyph look-up of all 65,536 BMP code points
// (the cmap is swapped for a one-character one while it runs). `space` is the glyph of U+0020.
[[nodiscard]] HPDF_Font get_utf8_font(HPDF_Doc doc, const char* name, HPDF_UINT16 space);

// The subset flags of libharu's TrueType subsetter: mark a glyph as used, list the marked ones.
void mark_glyph(HPDF_FontDef def, HPDF_UINT16 glyph);
[[nodiscard]] std::vector<std::uint16_t> marked_glyphs(HPDF_FontDef def);
// Marks the components of every marked composite glyph (recursively): libharu 2.3.0 does not.
// `file` is the font file's bytes.
void mark_composite_components(HPDF_FontDef def, std::string_view file);

// HPDF_LoadTTFontFromFile(doc, path, embedding on) reading the font through `stream`, which the
// font definition then owns: libharu's file reader costs an fread per 2-byte field of the cmap,
// hmtx and loca tables (100,000 of them for a CJK font). Returns libharu's font name.
[[nodiscard]] const char* load_truetype(HPDF_Doc doc, const ErrorState& error, HPDF_Stream stream);

// libharu's own subset of the font program (the marked glyphs; ids unchanged).
[[nodiscard]] std::string libharu_font_program(HPDF_Doc doc, const ErrorState& error, HPDF_FontDef def);

// Whether the font still needs its program embedded (embedding on, no descriptor yet).
[[nodiscard]] bool needs_font_program(HPDF_Font font);
// The /FontDescriptor libharu would write, pointing at `font_file` (a stream dictionary holding
// the program) as /FontFile2; libharu then skips its own program and descriptor.
void add_font_descriptor(HPDF_Doc doc, const ErrorState& error, HPDF_Font font, HPDF_Dict font_file);

// /DW and /W of a UTF-8 font's CIDFont: `widths` per BMP code point in 1/1000 em, -1 for a code
// point not drawn.
void replace_widths(HPDF_Doc doc, const ErrorState& error, HPDF_Font font, const std::vector<std::int16_t>& widths);
// The CIDToGIDMap of a UTF-8 font: `glyphs[cid]` for each CID (code point) below glyphs.size().
void replace_cid_to_gid_map(const ErrorState& error, HPDF_Font font, const std::vector<std::uint16_t>& glyphs);
// The ToUnicode CMap of a UTF-8 font: the identity for the code points drawn (widths >= 0),
// instead of the encoding CMap libharu writes there.
void replace_to_unicode(const ErrorState& error, HPDF_Font font, const std::vector<std::int16_t>& widths);

}  // namespace txt2pdf::libharu
