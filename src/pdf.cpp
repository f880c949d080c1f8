// libharu 2.3.0 behind PdfDocument. Two things here reach past libharu's public API, both through
// its installed headers: raw content-stream writes (HPDF_Stream_Write on the page's stream, so a
// text row costs a few bytes instead of several libharu calls) and the ToUnicode maps of UTF-8
// fonts, which libharu fills with its *encoding* CMap ("begincidrange": invalid in a ToUnicode
// map, one poppler warning per page). We replace them with a proper bfrange map before saving.
#include "txt2pdf/pdf.hpp"

#include <hpdf.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include <array>
#include <cstdio>
#include <vector>

#include "txt2pdf/error.hpp"
#include "txt2pdf/text_decode.hpp"

namespace txt2pdf {
namespace {

struct ErrorState {
  HPDF_STATUS code = HPDF_OK;
  HPDF_STATUS detail = 0;
};

// libharu calls this on every failure: record and return (never throw through C frames).
void HPDF_STDCALL record_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) noexcept {
  auto* state = static_cast<ErrorState*>(user);
  if (state->code == HPDF_OK) {
    state->code = code;
    state->detail = detail;
  }
}

struct Font {
  HPDF_Font handle = nullptr;
  bool unicode = false;
  std::vector<std::int16_t> widths;  // per BMP code point, -1 until asked (Unicode fonts only)
};

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// UTF-8 to UTF-16BE with a byte order mark: how PDF text strings carry non-ASCII text.
std::string utf16be_with_bom(std::string_view utf8) {
  std::string out = "\xFE\xFF";
  std::size_t at = 0;
  while (at < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[at]);
    char32_t cp = lead;
    std::size_t length = 1;
    if (lead >= 0xF0) cp = lead & 0x07u, length = 4;
    else if (lead >= 0xE0) cp = lead & 0x0Fu, length = 3;
    else if (lead >= 0xC0) cp = lead & 0x1Fu, length = 2;
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

// A ToUnicode CMap for a font whose codes are UTF-16BE BMP code points (CID = code point): one
// bfrange per high byte that occurs, at most 100 entries per block as the CMap format requires.
std::string identity_to_unicode_cmap(const std::vector<std::int16_t>& widths) {
  std::vector<unsigned> high_bytes;
  for (unsigned high = 0; high < 256; ++high) {
    for (unsigned low = 0; low < 256; ++low) {
      if (widths[high * 256 + low] >= 0) {
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

}  // namespace

struct PdfDocument::Impl {
  ErrorState error;
  std::unique_ptr<_HPDF_Doc_Rec, decltype(&HPDF_Free)> doc{nullptr, &HPDF_Free};
  std::vector<Font> fonts;
  std::vector<HPDF_Page> pages;
  HPDF_Page current = nullptr;
  bool utf_enabled = false;

  void check(bool ok, const char* what) const {
    if (ok && error.code == HPDF_OK) return;
    char text[160];
    std::snprintf(text, sizeof text, "libharu failed in %s: error 0x%04X, detail %u", what,
                  static_cast<unsigned>(error.code), static_cast<unsigned>(error.detail));
    throw Error(ErrorKind::kInternal, text);
  }
  void check_status(HPDF_STATUS status, const char* what) const { check(status == HPDF_OK, what); }

  HPDF_Page page() const {
    if (current == nullptr) throw Error(ErrorKind::kInternal, "PDF: no current page");
    return current;
  }

  void add_info_text(const char* key, const std::string& value) {
    if (value.empty()) return;
    HPDF_Dict info = doc->info;
    if (is_ascii(value)) {
      check_status(HPDF_Dict_Add(info, key, HPDF_String_New(doc->mmgr, value.c_str(), nullptr)), key);
    } else {
      const auto bytes = utf16be_with_bom(value);
      const auto* data = reinterpret_cast<const HPDF_BYTE*>(bytes.data());
      check_status(HPDF_Dict_Add(info, key, HPDF_Binary_New(doc->mmgr, const_cast<HPDF_BYTE*>(data),
                                                            static_cast<HPDF_UINT>(bytes.size()))),
                   key);
    }
  }

  void replace_to_unicode(const Font& font) {
    auto* cmap = static_cast<HPDF_Dict>(HPDF_Dict_GetItem(font.handle, "ToUnicode", HPDF_OCLASS_DICT));
    check(cmap != nullptr && cmap->stream != nullptr, "ToUnicode look-up");
    for (const char* key : {"CIDSystemInfo", "CMapName", "WMode", "Type"}) HPDF_Dict_RemoveElement(cmap, key);
    HPDF_MemStream_FreeData(cmap->stream);
    const auto text = identity_to_unicode_cmap(font.widths);
    check_status(HPDF_Stream_Write(cmap->stream, reinterpret_cast<const HPDF_BYTE*>(text.data()),
                                   static_cast<HPDF_UINT>(text.size())),
                 "ToUnicode write");
  }
};

PdfDocument::PdfDocument() : impl_(std::make_unique<Impl>()) {
  impl_->doc.reset(HPDF_New(record_error, &impl_->error));
  impl_->check(impl_->doc != nullptr, "HPDF_New");
  impl_->check_status(HPDF_SetCompressionMode(impl_->doc.get(), HPDF_COMP_ALL), "HPDF_SetCompressionMode");
  Font courier;
  courier.handle = HPDF_GetFont(impl_->doc.get(), "Courier", "WinAnsiEncoding");
  impl_->check(courier.handle != nullptr, "HPDF_GetFont(Courier)");
  impl_->fonts.push_back(std::move(courier));
}

PdfDocument::~PdfDocument() = default;

int PdfDocument::load_truetype(const std::string& path) {
  auto* doc = impl_->doc.get();
  if (!impl_->utf_enabled) {
    impl_->check_status(HPDF_UseUTFEncodings(doc), "HPDF_UseUTFEncodings");
    impl_->utf_enabled = true;
  }
  const char* name = HPDF_LoadTTFontFromFile(doc, path.c_str(), HPDF_TRUE);
  impl_->check(name != nullptr, ("HPDF_LoadTTFontFromFile(" + path + ")").c_str());
  Font font;
  font.handle = HPDF_GetFont(doc, name, "UTF-8");
  impl_->check(font.handle != nullptr, "HPDF_GetFont(UTF-8)");
  font.unicode = true;
  font.widths.assign(0x10000, -1);
  impl_->fonts.push_back(std::move(font));
  return static_cast<int>(impl_->fonts.size() - 1);
}

bool PdfDocument::is_unicode(int font) const { return impl_->fonts.at(static_cast<std::size_t>(font)).unicode; }

bool PdfDocument::has_glyph(int font, char32_t cp) const {
  const auto& entry = impl_->fonts.at(static_cast<std::size_t>(font));
  if (!entry.unicode) return cp != 0 && unicode_to_windows_1252(cp) != 0;
  if (cp == 0 || cp > 0xFFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  auto* attr = static_cast<HPDF_FontAttr>(entry.handle->attr);
  return HPDF_TTFontDef_GetGlyphid(attr->fontdef, static_cast<HPDF_UINT16>(cp)) != 0;
}

int PdfDocument::advance(int font, char32_t cp) {
  auto& entry = impl_->fonts.at(static_cast<std::size_t>(font));
  if (!entry.unicode) return 600;  // every Courier glyph is 600/1000 em
  if (cp > 0xFFFF) return 0;
  auto& width = entry.widths[cp];
  if (width < 0) {
    // Asking libharu for the width is also what marks the glyph for the embedded subset.
    width = static_cast<std::int16_t>(HPDF_Font_GetUnicodeWidth(entry.handle, static_cast<HPDF_UNICODE>(cp)));
    impl_->check(true, "HPDF_Font_GetUnicodeWidth");
  }
  return width;
}

void PdfDocument::add_page(double width, double height) {
  HPDF_Page page = HPDF_AddPage(impl_->doc.get());
  impl_->check(page != nullptr, "HPDF_AddPage");
  impl_->check_status(HPDF_Page_SetWidth(page, static_cast<HPDF_REAL>(width)), "HPDF_Page_SetWidth");
  impl_->check_status(HPDF_Page_SetHeight(page, static_cast<HPDF_REAL>(height)), "HPDF_Page_SetHeight");
  impl_->pages.push_back(page);
  impl_->current = page;
}

int PdfDocument::page_count() const { return static_cast<int>(impl_->pages.size()); }

void PdfDocument::set_font(int font, double size) {
  impl_->check_status(HPDF_Page_SetFontAndSize(impl_->page(), impl_->fonts.at(static_cast<std::size_t>(font)).handle,
                                               static_cast<HPDF_REAL>(size)),
                      "HPDF_Page_SetFontAndSize");
}

void PdfDocument::write(std::string_view operators) {
  auto* attr = static_cast<HPDF_PageAttr>(impl_->page()->attr);
  impl_->check_status(HPDF_Stream_Write(attr->stream, reinterpret_cast<const HPDF_BYTE*>(operators.data()),
                                        static_cast<HPDF_UINT>(operators.size())),
                      "content stream write");
}

void PdfDocument::begin_overlay(int index) {
  impl_->current = impl_->pages.at(static_cast<std::size_t>(index));
  HPDF_Dict stream = nullptr;
  impl_->check_status(HPDF_Page_New_Content_Stream(impl_->current, &stream), "HPDF_Page_New_Content_Stream");
}

void PdfDocument::set_info(const PdfInfo& info) {
  auto* doc = impl_->doc.get();
  // The first attribute creates the information dictionary that the rest are added to.
  impl_->check_status(HPDF_SetInfoAttr(doc, HPDF_INFO_PRODUCER, info.producer.c_str()), "HPDF_SetInfoAttr");
  impl_->add_info_text("Title", info.title);
  impl_->add_info_text("Subject", info.subject);
  impl_->add_info_text("Keywords", info.keywords);
  impl_->add_info_text("CreationDate", info.creation_date);
  impl_->add_info_text("Txt2pdfMissingGlyphs", info.missing_glyphs);
}

void PdfDocument::save(const std::string& path) {
  for (const auto& font : impl_->fonts) {
    if (font.unicode) impl_->replace_to_unicode(font);
  }
  impl_->check_status(HPDF_SaveToFile(impl_->doc.get(), path.c_str()), "HPDF_SaveToFile");
}

}  // namespace txt2pdf
