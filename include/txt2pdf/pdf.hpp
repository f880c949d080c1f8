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
  std::string missing_glyphs;  // written as /Txt2pdfMissingGlyphs when not empty
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
  // UTF-16BE code units of BMP characters (CID = code point). Returns the font's id.
  [[nodiscard]] int load_truetype(const std::string& path);
  [[nodiscard]] bool is_unicode(int font) const;
  // Whether `font` draws `cp` with a real glyph: Windows-1252's repertoire for Courier; for
  // TrueType fonts a BMP character that libharu finds in the font's cmap.
  [[nodiscard]] bool has_glyph(int font, char32_t cp) const;

  // Advance of `cp` in font `font` in 1/1000 em. For TrueType fonts this also marks the glyph as
  // used, so the embedded subset contains it: call it once for every character drawn.
  [[nodiscard]] int advance(int font, char32_t cp);

  // Appends a page and makes it the current one.
  void add_page(double width, double height);
  [[nodiscard]] int page_count() const;

  // Resource name of `font` on the current page ("F1", "F2"... in order of first use on the page),
  // added to the page's resources on first use. Write "/F1 10 Tf" with it.
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
