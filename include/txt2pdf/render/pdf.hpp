// The PDF document behind a thin interface: the only module that touches libharu (whose header
// src/pdf.cpp alone includes).
// The renderer hands over each page's content stream as raw operators (one `'` per text row is far
// cheaper than a libharu call per row); this class owns fonts, pages, resources, metadata, the
// ToUnicode maps and saving. Every libharu failure becomes Error(kInternal) naming the call.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace txt2pdf {

struct PdfInfo {
  std::string title;
  std::string subject;
  std::string keywords;
  std::string producer;
  std::string creation_date;  // PDF date "D:YYYYMMDDHHmmSSZ" (or empty for none)
  // Extra entries of the document information dictionary (keys without '/').
  std::string missing_glyphs;   // written as /Txt2pdfMissingGlyphs when not empty
  std::string encoding;         // /Txt2pdfEncoding: the input's character set
  std::string encoding_method;  // /Txt2pdfEncodingMethod: how it was decided (and how sure)
};

class PdfDocument {
 public:
  // Font 0: the built-in Courier with WinAnsiEncoding (text bytes are Windows-1252).
  static constexpr int kCourier = 0;

  PdfDocument();
  ~PdfDocument();
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  // Loads a TrueType (glyf) font for Unicode text, embedded and subset. Text bytes for it are
  // UTF-16BE code units of BMP characters (CID = code point). Returns the font's id. The file is
  // read through FontFace (shared by the process); its errors come back as FontFace::open's.
  // A font no page names is not written.
  [[nodiscard]] int load_truetype(const std::string& path);
  // One of PDF's standard 14 fonts with WinAnsiEncoding, like Courier ("Courier-Bold",
  // "Courier-Oblique", "Courier-BoldOblique"): nothing embedded. Returns the font's id.
  [[nodiscard]] int load_builtin(const std::string& name);
  [[nodiscard]] bool is_unicode(int font) const;
  // Whether `font` draws `cp` with a real glyph: Windows-1252's repertoire for Courier; for
  // TrueType fonts a BMP character that the font's cmap maps to a glyph (FontFace).
  [[nodiscard]] bool has_glyph(int font, char32_t cp) const;

  // Records that `cp` is drawn in TrueType font `font` with an advance of `width` 1/1000 em (its
  // place on the text grid: 600 per column) and marks its glyph for the embedded subset. The
  // font's /W array declares these widths, so text needs no per-glyph positioning. The first
  // width recorded for a code point is kept. No-op for Courier, whose glyphs are all 600 wide.
  void use_glyph(int font, char32_t cp, int width);

  // Appends a page and makes it the current one. Pages inherit one resource dictionary and the
  // first page's size from the root of the page tree (a page of another size gets its own).
  void add_page(double width, double height);
  [[nodiscard]] int page_count() const;

  // Resource name of `font` ("F1", "F2"... in order of first use in the document), the same on
  // every page. Write "/F1 10 Tf" with it.
  [[nodiscard]] std::string font_name(int font);
  // Sets the current page's content stream. It is deflated at once and only the compressed bytes
  // are kept: memory grows with the compressed PDF, not with the text.
  void set_page_content(std::string_view operators);

  // A content stream shared by several pages whose operators are only known later (e.g. the
  // " of M" of "page N of M"). Returns its id.
  [[nodiscard]] int add_shared_stream();
  // Appends shared stream `id` to the current page's contents (drawn after the page content).
  void use_shared_stream(int id);
  void set_shared_stream(int id, std::string_view operators);

  void set_info(const PdfInfo& info);
  // Writes the whole document to `path`.
  void save(const std::string& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace txt2pdf
