// libharu 2.3.0 behind PdfDocument. Several things here reach past libharu's public API, all
// through its installed headers:
// - page contents are deflated here (libdeflate, on a second thread) and handed over as finished
//   streams, so a text row costs a few bytes instead of several libharu calls;
// - pages share one resource dictionary and inherit their size from the page tree, instead of
//   ~400 bytes of identical entries (and a dozen allocations) per page;
// - TrueType fonts never go through libharu's font code: FontFace (HarfBuzz) reads them, and the
//   Type0 font, its CIDFontType2, descriptor, /W, CIDToGIDMap, ToUnicode map and subset program
//   are written here for the characters actually drawn, as plain libharu objects. libharu's own
//   path read each font one 2-byte field at a time, walked all 65,536 BMP code points per font,
//   kept the whole loca, hmtx and cmap in its subsets, and wrote an invalid ToUnicode map.
// libharu_internals.hpp holds the error plumbing and fails the build on any libharu but 2.3.0.
#include "txt2pdf/render/pdf.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <vector>

#include "libharu_internals.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/deflate.hpp"
#include "txt2pdf/render/font_face.hpp"
#include "txt2pdf/render/font_subset.hpp"
#include "txt2pdf/render/font_tables.hpp"
#include "txt2pdf/render/text_decode.hpp"

namespace txt2pdf {
namespace {

using libharu::ErrorState;

constexpr HPDF_UINT kPagesPerTreeNode = 1024;
// libdeflate's level 6: on 5 KB pages of log text as small as its levels 7-9 and twice as fast
// as zlib's level 6 (level 12 saves 3.5 % more at ten times the time).
constexpr int kCompressionLevel = 6;
// Page contents shorter than this are stored as they are (a one-line file's page is ~60 bytes).
constexpr std::size_t kMinDeflatedBytes = 256;

// Bytes that libharu reads through a callback stream when it writes the PDF: page contents and
// the font objects' streams (font programs, CIDToGIDMaps, ToUnicode maps), deflated or as they are.
struct ByteSource {
  std::string_view bytes;
  std::size_t position = 0;
};

HPDF_STATUS source_read(HPDF_Stream stream, HPDF_BYTE* buffer, HPDF_UINT* size) {
  auto* source = static_cast<ByteSource*>(stream->attr);
  const std::size_t available = source->bytes.size() - std::min(source->position, source->bytes.size());
  const std::size_t count = std::min<std::size_t>(*size, available);
  if (count > 0) std::memcpy(buffer, source->bytes.data() + source->position, count);
  source->position += count;
  const bool short_read = count < *size;
  *size = static_cast<HPDF_UINT>(count);
  return short_read ? HPDF_STREAM_EOF : HPDF_OK;
}

HPDF_STATUS source_seek(HPDF_Stream stream, HPDF_INT offset, HPDF_WhenceMode mode) {
  auto* source = static_cast<ByteSource*>(stream->attr);
  const auto base = mode == HPDF_SEEK_SET   ? 0LL
                    : mode == HPDF_SEEK_CUR ? static_cast<long long>(source->position)
                                            : static_cast<long long>(source->bytes.size());
  const long long target = base + offset;
  if (target < 0) return HPDF_SetError(stream->error, HPDF_FILE_IO_ERROR, 0);
  source->position = static_cast<std::size_t>(target);
  return HPDF_OK;
}

HPDF_INT32 source_tell(HPDF_Stream stream) {
  return static_cast<HPDF_INT32>(static_cast<ByteSource*>(stream->attr)->position);
}

HPDF_UINT32 source_size(HPDF_Stream stream) {
  return static_cast<HPDF_UINT32>(static_cast<ByteSource*>(stream->attr)->bytes.size());
}

// A stream's bytes (a page's content, a font program): deflated on the worker thread (or kept as
// they are), read by libharu when saving.
struct OwnStream {
  std::string bytes;
  ByteSource source;
};

struct Font {
  HPDF_Font handle = nullptr;            // built-in fonts (WinAnsi text): libharu's
  std::shared_ptr<const FontFace> face;  // TrueType fonts: the font file
  // TrueType: per BMP code point the declared advance, -1 until drawn (allocated at the first
  // glyph), and the code points drawn, in order of first use.
  std::vector<std::int16_t> widths;
  std::vector<char32_t> drawn;
  HPDF_Dict type0 = nullptr;  // TrueType: made when a page first names the font, filled at save
  std::string resource_name;

  [[nodiscard]] bool unicode() const { return face != nullptr; }
};

// An embedded font program and, for each character drawn, its glyph in that program.
struct FontProgram {
  std::string bytes;
  std::vector<std::uint16_t> glyph_ids;
};

// HarfBuzz's subset of `glyphs`, the glyphs of `drawn` (font_subset.hpp: renumbered), or the
// whole file, ids unchanged, when HarfBuzz cannot subset it.
FontProgram font_program(const FontFace& face, const std::vector<char32_t>& drawn,
                         const std::vector<std::uint16_t>& glyphs) {
  try {
    auto subset = subset_truetype(face.bytes(), glyphs, drawn);
    return {std::move(subset.font), std::move(subset.glyph_ids)};
  } catch (const Error&) {
    return {std::string(face.bytes()), glyphs};
  }
}

// A subset font's tag: six capital letters (PDF 32000-1, 9.6.4), from the font's name and the
// characters kept, so that two subsets of one font in a document get different names.
std::string subset_tag(const std::string& postscript_name, const std::vector<char32_t>& drawn) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
  auto mix = [&hash](std::uint64_t value) { hash = (hash ^ value) * 1099511628211ull; };
  for (const char c : postscript_name) mix(static_cast<unsigned char>(c));
  for (const char32_t cp : drawn) mix(cp);
  std::string tag(6, 'A');
  for (auto& letter : tag) letter = static_cast<char>('A' + hash % 26), hash /= 26;
  return tag;
}

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Dictionary hook for page contents we deflated ourselves: libharu drops any /Filter entry of a
// stream whose filter is NONE, so the entry is written from here.
HPDF_STATUS write_flate_filter_entry(HPDF_Dict dict, HPDF_Stream stream) {
  if (dict->stream == nullptr || HPDF_Stream_Size(dict->stream) == 0) return HPDF_OK;
  return HPDF_Stream_WriteStr(stream, "/Filter /FlateDecode\012");
}

}  // namespace

struct PdfDocument::Impl {
  ErrorState error;
  // Declared before `doc`, so destroyed after it: libharu's streams read these.
  std::deque<OwnStream> own_streams;
  std::unique_ptr<_HPDF_Doc_Rec, decltype(&HPDF_Free)> doc{nullptr, &HPDF_Free};
  std::vector<Font> fonts;
  std::vector<HPDF_Page> pages;
  HPDF_Page current = nullptr;
  std::vector<HPDF_Dict> shared;
  HPDF_Dict resources = nullptr;           // the /Resources every page inherits
  HPDF_Dict font_resources = nullptr;      // its /Font
  double page_width = 0, page_height = 0;  // the size every page inherits
  // Declared after own_streams, so destroyed (its worker joined) before them.
  BackgroundDeflater deflater{kCompressionLevel};

  // Makes `bytes` the stream of `dict`, read from an OwnStream when saving, and deflated first
  // (on the worker) unless `deflate` is false. A deflated stream is marked FlateDecode here:
  // libharu must not compress it again.
  void set_own_stream(HPDF_Dict dict, std::string bytes, bool deflate) {
    auto& own = own_streams.emplace_back();
    HPDF_Stream stream = source_stream(own.source);
    if (dict->stream != nullptr) HPDF_Stream_Free(dict->stream);
    dict->stream = stream;
    dict->filter = HPDF_STREAM_FILTER_NONE;
    dict->write_fn = deflate ? write_flate_filter_entry : nullptr;
    if (deflate) {
      deflater.submit(std::move(bytes), &own.bytes);
    } else {
      own.bytes = std::move(bytes);
    }
  }

  // After the last set_own_stream: the streams' bytes are final.
  void finish_own_streams() {
    deflater.wait();
    for (auto& own : own_streams) own.source.bytes = own.bytes;
  }

  HPDF_Stream source_stream(ByteSource& source) {
    HPDF_Stream stream =
        HPDF_CallbackReader_New(doc->mmgr, source_read, source_seek, source_tell, source_size, &source);
    check(stream != nullptr, "HPDF_CallbackReader_New");
    return stream;
  }

  // /Resources and /MediaBox in the root of the page tree, inherited by every page; made with
  // the first page.
  void share_page_entries(double width, double height) {
    resources = HPDF_Dict_New(doc->mmgr);
    check(resources != nullptr, "HPDF_Dict_New");
    check_status(HPDF_Dict_Add(doc->root_pages, "Resources", resources), "page tree /Resources");
    font_resources = HPDF_Dict_New(doc->mmgr);
    check(font_resources != nullptr, "HPDF_Dict_New");
    check_status(HPDF_Dict_Add(resources, "Font", font_resources), "resources /Font");
    check_status(HPDF_Dict_Add(doc->root_pages, "MediaBox", media_box(width, height)), "page tree /MediaBox");
    page_width = width;
    page_height = height;
  }

  HPDF_Array media_box(double width, double height) {
    const HPDF_Box box{0, 0, static_cast<HPDF_REAL>(width), static_cast<HPDF_REAL>(height)};
    HPDF_Array array = HPDF_Box_Array_New(doc->mmgr, box);
    check(array != nullptr, "HPDF_Box_Array_New");
    return array;
  }

  HPDF_Dict new_indirect_dict() {
    HPDF_Dict dict = HPDF_Dict_New(doc->mmgr);
    check(dict != nullptr, "HPDF_Dict_New");
    check_status(HPDF_Xref_Add(doc->xref, dict), "HPDF_Xref_Add");
    return dict;
  }

  // A stream object holding `bytes`, deflated unless they are too few to shrink.
  HPDF_Dict new_stream(std::string bytes) {
    HPDF_Dict stream = HPDF_DictStream_New(doc->mmgr, doc->xref);
    check(stream != nullptr, "HPDF_DictStream_New");
    const bool deflate = bytes.size() >= kMinDeflatedBytes;
    set_own_stream(stream, std::move(bytes), deflate);
    return stream;
  }

  // The font descriptor (PDF 32000-1, 9.8) with `program` as /FontFile2.
  HPDF_Dict font_descriptor(const FontMetrics& metrics, const std::string& base_font, std::string program) {
    HPDF_Dict file = HPDF_DictStream_New(doc->mmgr, doc->xref);
    check(file != nullptr, "HPDF_DictStream_New");
    check_status(HPDF_Dict_AddNumber(file, "Length1", static_cast<HPDF_INT32>(program.size())), "/Length1");
    set_own_stream(file, std::move(program), true);
    HPDF_Dict descriptor = new_indirect_dict();
    // Flags: FixedPitch, Nonsymbolic (Latin text's standard characters), Italic.
    const int flags = (metrics.fixed_pitch ? 1 : 0) | 32 | (metrics.italic_angle != 0 ? 64 : 0);
    const auto& box = metrics.bounding_box;
    const HPDF_Box bbox{static_cast<HPDF_REAL>(box[0]), static_cast<HPDF_REAL>(box[1]), static_cast<HPDF_REAL>(box[2]),
                        static_cast<HPDF_REAL>(box[3])};
    // No font file states the dominant stem width: the usual estimate from the weight class.
    const int stem_v = std::max(10, 10 + 220 * (metrics.weight - 50) / 900);
    HPDF_STATUS status = HPDF_Dict_AddName(descriptor, "Type", "FontDescriptor");
    status += HPDF_Dict_AddName(descriptor, "FontName", base_font.c_str());
    status += HPDF_Dict_AddNumber(descriptor, "Flags", flags);
    status += HPDF_Dict_Add(descriptor, "FontBBox", HPDF_Box_Array_New(doc->mmgr, bbox));
    status += HPDF_Dict_AddReal(descriptor, "ItalicAngle", static_cast<HPDF_REAL>(metrics.italic_angle));
    status += HPDF_Dict_AddNumber(descriptor, "Ascent", metrics.ascent);
    status += HPDF_Dict_AddNumber(descriptor, "Descent", metrics.descent);
    status += HPDF_Dict_AddNumber(descriptor, "CapHeight", metrics.cap_height);
    status += HPDF_Dict_AddNumber(descriptor, "XHeight", metrics.x_height);
    status += HPDF_Dict_AddNumber(descriptor, "StemV", stem_v);
    status += HPDF_Dict_Add(descriptor, "FontFile2", file);
    check_status(status, "font descriptor");
    return descriptor;
  }

  // The CIDFontType2 (PDF 32000-1, 9.7.4) of a font whose CIDs are code points.
  HPDF_Dict cid_font(const Font& font, const std::string& base_font, FontProgram program) {
    std::vector<std::pair<char32_t, int>> widths;
    std::vector<std::pair<char32_t, std::uint16_t>> new_glyphs;
    for (std::size_t i = 0; i < font.drawn.size(); ++i) {
      widths.emplace_back(font.drawn[i], font.widths[font.drawn[i]]);
      new_glyphs.emplace_back(font.drawn[i], program.glyph_ids[i]);
    }
    const auto declared = cid_widths(widths);
    HPDF_Array w = HPDF_Array_New(doc->mmgr);
    check(w != nullptr, "HPDF_Array_New");
    HPDF_STATUS status = HPDF_OK;
    for (const auto& run : declared.runs) {
      status += HPDF_Array_AddNumber(w, static_cast<HPDF_INT32>(run.first));
      status += HPDF_Array_AddNumber(w, static_cast<HPDF_INT32>(run.last));
      status += HPDF_Array_AddNumber(w, run.width);
    }
    HPDF_Dict system_info = HPDF_Dict_New(doc->mmgr);
    check(system_info != nullptr, "HPDF_Dict_New");
    status += HPDF_Dict_Add(system_info, "Registry", HPDF_String_New(doc->mmgr, "Adobe", nullptr));
    status += HPDF_Dict_Add(system_info, "Ordering", HPDF_String_New(doc->mmgr, "Identity", nullptr));
    status += HPDF_Dict_AddNumber(system_info, "Supplement", 0);
    HPDF_Dict dict = new_indirect_dict();
    status += HPDF_Dict_AddName(dict, "Type", "Font");
    status += HPDF_Dict_AddName(dict, "Subtype", "CIDFontType2");
    status += HPDF_Dict_AddName(dict, "BaseFont", base_font.c_str());
    status += HPDF_Dict_Add(dict, "CIDSystemInfo", system_info);
    status += HPDF_Dict_Add(dict, "FontDescriptor",
                            font_descriptor(font.face->metrics(), base_font, std::move(program.bytes)));
    status += HPDF_Dict_AddNumber(dict, "DW", declared.default_width);
    status += HPDF_Dict_Add(dict, "W", w);
    status += HPDF_Dict_Add(dict, "CIDToGIDMap", new_stream(cid_to_gid_map(new_glyphs)));
    check_status(status, "CIDFontType2");
    return dict;
  }

  // Completes the Type0 font of a TrueType font that pages name: the program subset to the
  // characters drawn, their widths, glyphs and Unicode values.
  void finish_truetype(Font& font) {
    std::sort(font.drawn.begin(), font.drawn.end());
    std::vector<std::uint16_t> glyphs;
    for (const char32_t cp : font.drawn) glyphs.push_back(font.face->glyph(cp));
    const auto& metrics = font.face->metrics();
    const std::string base_font = subset_tag(metrics.postscript_name, font.drawn) + '+' + metrics.postscript_name;
    HPDF_Array descendants = HPDF_Array_New(doc->mmgr);
    check(descendants != nullptr, "HPDF_Array_New");
    HPDF_STATUS status =
        HPDF_Array_Add(descendants, cid_font(font, base_font, font_program(*font.face, font.drawn, glyphs)));
    HPDF_Dict type0 = font.type0;
    status += HPDF_Dict_AddName(type0, "Type", "Font");
    status += HPDF_Dict_AddName(type0, "Subtype", "Type0");
    status += HPDF_Dict_AddName(type0, "BaseFont", base_font.c_str());
    status += HPDF_Dict_AddName(type0, "Encoding", "Identity-H");
    status += HPDF_Dict_Add(type0, "DescendantFonts", descendants);
    status += HPDF_Dict_Add(type0, "ToUnicode", new_stream(identity_to_unicode_cmap(font.drawn)));
    check_status(status, "Type0 font");
  }

  void check(bool ok, const char* what) const { libharu::check(error, ok, what); }
  void check_status(HPDF_STATUS status, const char* what) const { libharu::check_status(error, status, what); }

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
      check_status(
          HPDF_Dict_Add(info, key,
                        HPDF_Binary_New(doc->mmgr, const_cast<HPDF_BYTE*>(data), static_cast<HPDF_UINT>(bytes.size()))),
          key);
    }
  }
};

PdfDocument::PdfDocument() : impl_(std::make_unique<Impl>()) {
  impl_->doc.reset(HPDF_New(libharu::record_error, &impl_->error));
  impl_->check(impl_->doc != nullptr, "HPDF_New");
  impl_->check_status(HPDF_SetCompressionMode(impl_->doc.get(), HPDF_COMP_ALL), "HPDF_SetCompressionMode");
  // One flat /Kids array holds at most HPDF_LIMIT_MAX_ARRAY (32767) pages, which a ~128 MiB log
  // exceeds; a two-level page tree of 1024-page nodes lifts the limit to ~33 million pages.
  impl_->check_status(HPDF_SetPagesConfiguration(impl_->doc.get(), kPagesPerTreeNode), "HPDF_SetPagesConfiguration");
  Font courier;
  courier.handle = HPDF_GetFont(impl_->doc.get(), "Courier", "WinAnsiEncoding");
  impl_->check(courier.handle != nullptr, "HPDF_GetFont(Courier)");
  impl_->fonts.push_back(std::move(courier));
}

PdfDocument::~PdfDocument() = default;

int PdfDocument::load_builtin(const std::string& name) {
  Font font;
  font.handle = HPDF_GetFont(impl_->doc.get(), name.c_str(), "WinAnsiEncoding");
  impl_->check(font.handle != nullptr, ("HPDF_GetFont(" + name + ")").c_str());
  impl_->fonts.push_back(std::move(font));
  return static_cast<int>(impl_->fonts.size() - 1);
}

int PdfDocument::load_truetype(const std::string& path) {
  Font font;
  font.face = FontFace::open(path);
  impl_->fonts.push_back(std::move(font));
  return static_cast<int>(impl_->fonts.size() - 1);
}

bool PdfDocument::is_unicode(int font) const { return impl_->fonts.at(static_cast<std::size_t>(font)).unicode(); }

bool PdfDocument::has_glyph(int font, char32_t cp) const {
  const auto& entry = impl_->fonts.at(static_cast<std::size_t>(font));
  if (!entry.unicode()) return cp != 0 && unicode_to_windows_1252(cp) != 0;
  // CIDs are BMP code points (two-byte codes, Identity-H).
  if (cp == 0 || cp > 0xFFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  return entry.face->glyph(cp) != 0;
}

void PdfDocument::use_glyph(int font, char32_t cp, int width) {
  auto& entry = impl_->fonts.at(static_cast<std::size_t>(font));
  if (!entry.unicode() || cp > 0xFFFF) return;
  if (entry.widths.empty()) entry.widths.assign(0x10000, -1);
  auto& declared = entry.widths[cp];
  if (declared >= 0) return;
  declared = static_cast<std::int16_t>(width);
  entry.drawn.push_back(cp);
}

void PdfDocument::add_page(double width, double height) {
  auto& impl = *impl_;
  HPDF_Page page = HPDF_AddPage(impl.doc.get());
  impl.check(page != nullptr, "HPDF_AddPage");
  if (impl.resources == nullptr) impl.share_page_entries(width, height);
  HPDF_Dict_RemoveElement(page, "MediaBox");
  if (width != impl.page_width || height != impl.page_height) {
    impl.check_status(HPDF_Dict_Add(page, "MediaBox", impl.media_box(width, height)), "page /MediaBox");
  }
  HPDF_Dict_RemoveElement(page, "Resources");
  static_cast<HPDF_PageAttr>(page->attr)->fonts = impl.font_resources;
  impl.pages.push_back(page);
  impl.current = page;
}

int PdfDocument::page_count() const { return static_cast<int>(impl_->pages.size()); }

std::string PdfDocument::font_name(int font) {
  auto& impl = *impl_;
  auto& entry = impl.fonts.at(static_cast<std::size_t>(font));
  if (!entry.unicode()) {
    const char* name = HPDF_Page_GetLocalFontName(impl.page(), entry.handle);
    impl.check(name != nullptr, "HPDF_Page_GetLocalFontName");
    return name;
  }
  if (entry.type0 == nullptr) {
    (void)impl.page();
    // libharu's naming (HPDF_Page_GetLocalFontName): F and the entry count, so the names of both
    // kinds of font never meet in the shared /Font dictionary.
    entry.resource_name = "F" + std::to_string(impl.font_resources->list->count + 1);
    entry.type0 = impl.new_indirect_dict();
    impl.check_status(HPDF_Dict_Add(impl.font_resources, entry.resource_name.c_str(), entry.type0), "/Font");
  }
  return entry.resource_name;
}

void PdfDocument::set_page_content(std::string_view operators) {
  auto& impl = *impl_;
  auto* attr = static_cast<HPDF_PageAttr>(impl.page()->attr);
  // A few operators are stored as they are: deflate would not shrink them.
  impl.set_own_stream(attr->contents, std::string(operators), operators.size() >= kMinDeflatedBytes);
  attr->stream = attr->contents->stream;  // the old stream is gone: keep libharu's pointer valid
}

int PdfDocument::add_shared_stream() {
  HPDF_Dict stream = HPDF_DictStream_New(impl_->doc->mmgr, impl_->doc->xref);
  impl_->check(stream != nullptr, "HPDF_DictStream_New");
  stream->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
  impl_->shared.push_back(stream);
  return static_cast<int>(impl_->shared.size() - 1);
}

void PdfDocument::use_shared_stream(int id) {
  impl_->check_status(
      HPDF_Page_Insert_Shared_Content_Stream(impl_->page(), impl_->shared.at(static_cast<std::size_t>(id))),
      "HPDF_Page_Insert_Shared_Content_Stream");
}

void PdfDocument::set_shared_stream(int id, std::string_view operators) {
  HPDF_Dict stream = impl_->shared.at(static_cast<std::size_t>(id));
  HPDF_MemStream_FreeData(stream->stream);
  impl_->check_status(HPDF_Stream_Write(stream->stream, reinterpret_cast<const HPDF_BYTE*>(operators.data()),
                                        static_cast<HPDF_UINT>(operators.size())),
                      "shared stream write");
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
  impl_->add_info_text("Txt2pdfEncoding", info.encoding);
  impl_->add_info_text("Txt2pdfEncodingMethod", info.encoding_method);
}

void PdfDocument::save(const std::string& path) {
  for (auto& font : impl_->fonts) {
    if (font.type0 != nullptr) impl_->finish_truetype(font);
  }
  impl_->finish_own_streams();
  impl_->check_status(HPDF_SaveToFile(impl_->doc.get(), path.c_str()), "HPDF_SaveToFile");
}

}  // namespace txt2pdf
