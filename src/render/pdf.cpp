// libharu 2.3.0 behind PdfDocument. Several things here reach past libharu's public API, all
// through its installed headers:
// - page contents are deflated here (libdeflate, on a second thread) and handed over as finished
//   streams, so a text row costs a few bytes instead of several libharu calls; font programs
//   are deflated here too (libharu's zlib at its fixed level was a fifth of a CJK render);
// - pages share one resource dictionary and inherit their size from the page tree, instead of
//   ~400 bytes of identical entries (and a dozen allocations) per page;
// - UTF-8 fonts get their /W widths, CIDToGIDMap and ToUnicode map written for the characters
//   actually drawn, their font descriptor and program written here: those rewrites of libharu's
//   private structures live in libharu_internals.cpp, whose header also fails the build on any
//   libharu but 2.3.0.
#include "txt2pdf/render/pdf.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <unordered_map>
#include <vector>

#include "libharu_internals.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/deflate.hpp"
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

// Bytes that libharu reads through a callback stream when it writes the PDF: deflated page
// streams, and font files.
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

// A font file mapped read-only. libharu reads a TrueType font through a FILE stream that its
// subsetter seeks and reads once per glyph when saving (a syscall and a 4 KB copy each: a tenth
// of a CJK render); a callback stream over the mapping turns those into memcpys, and the
// composite-glyph walk below reads the same bytes.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    void* data = MAP_FAILED;
    std::size_t size = 0;
    if (fd >= 0 && ::fstat(fd, &info) == 0 && info.st_size > 0) {
      size = static_cast<std::size_t>(info.st_size);
      data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    const int saved_errno = errno;
    if (fd >= 0) ::close(fd);
    if (data == MAP_FAILED) {
      throw Error(ErrorKind::kTransient, "cannot map font file " + path + ": " + std::strerror(saved_errno));
    }
    source.bytes = std::string_view(static_cast<const char*>(data), size);
  }
  ~MappedFile() { ::munmap(const_cast<char*>(source.bytes.data()), source.bytes.size()); }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  [[nodiscard]] const unsigned char* data() const {
    return reinterpret_cast<const unsigned char*>(source.bytes.data());
  }
  [[nodiscard]] std::size_t size() const { return source.bytes.size(); }
  ByteSource source;  // libharu's reads
};

// A stream's bytes (a page's content, a font program): deflated on the worker thread (or kept as
// they are), read by libharu when saving.
struct OwnStream {
  std::string bytes;
  ByteSource source;
};

struct Font {
  HPDF_Font handle = nullptr;
  HPDF_FontDef fontdef = nullptr;    // TrueType fonts only
  const MappedFile* file = nullptr;  // the font file (TrueType fonts only)
  bool unicode = false;
  bool courier = false;
  std::string path;
  std::string name;                  // libharu's name of the loaded TrueType font
  std::vector<std::int16_t> widths;  // per BMP code point: declared advance, -1 until drawn
  // Per BMP code point: glyph id + 1, 0 until looked up (libharu's look-up is a linear search
  // of the cmap's segments, thousands in a CJK font: do it once per character).
  mutable std::vector<std::uint16_t> glyph_ids;

  [[nodiscard]] HPDF_UINT16 glyph_id(char32_t cp) const {
    auto& cached = glyph_ids[cp];
    if (cached == 0) cached = static_cast<std::uint16_t>(look_up_glyph(cp) + 1);
    return static_cast<HPDF_UINT16>(cached - 1);
  }

  [[nodiscard]] HPDF_UINT16 look_up_glyph(char32_t cp) const { return libharu::look_up_glyph(fontdef, cp); }
};

// An embedded font program and where its glyphs went.
struct FontProgram {
  std::string bytes;
  std::unordered_map<std::uint16_t, std::uint16_t> new_ids;  // empty: ids unchanged

  [[nodiscard]] std::uint16_t glyph_id(std::uint16_t original) const {
    if (new_ids.empty()) return original;
    const auto found = new_ids.find(original);
    return found == new_ids.end() ? std::uint16_t{0} : found->second;
  }
};

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
  std::vector<std::unique_ptr<MappedFile>> mapped_files;
  std::deque<OwnStream> own_streams;
  std::unique_ptr<_HPDF_Doc_Rec, decltype(&HPDF_Free)> doc{nullptr, &HPDF_Free};
  std::vector<Font> fonts;
  std::vector<HPDF_Page> pages;
  HPDF_Page current = nullptr;
  std::vector<HPDF_Dict> shared;
  HPDF_Dict resources = nullptr;           // the /Resources every page inherits
  HPDF_Dict font_resources = nullptr;      // its /Font
  double page_width = 0, page_height = 0;  // the size every page inherits
  bool utf_enabled = false;
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

  // libharu's own subset of a font program: the glyphs drawn (with the components of composite
  // ones), but the whole loca, hmtx and cmap.
  std::string libharu_font_program(const Font& font) {
    libharu::mark_composite_components(font.fontdef, font.file->source.bytes);
    return libharu::libharu_font_program(doc.get(), error, libharu::fontdef_of(font.handle));
  }

  // HarfBuzz's subset of a font program (font_subset.hpp: glyphs renumbered), or libharu's
  // (glyph ids kept) when HarfBuzz fails.
  FontProgram font_program(const Font& font) {
    const std::vector<std::uint16_t> glyphs = libharu::marked_glyphs(font.fontdef);
    std::vector<char32_t> characters;
    for (char32_t cp = 0; cp < font.widths.size(); ++cp) {
      if (font.widths[cp] >= 0) characters.push_back(cp);
    }
    FontProgram program;
    try {
      auto subset = subset_truetype(font.file->source.bytes, glyphs, characters);
      program.bytes = std::move(subset.font);
      for (std::size_t i = 0; i < glyphs.size(); ++i) program.new_ids[glyphs[i]] = subset.glyph_ids[i];
    } catch (const Error&) {
      program.bytes = libharu_font_program(font);
    }
    return program;
  }

  // The embedded font program and its descriptor, as libharu would write them while saving, but
  // subset by HarfBuzz and deflated by libdeflate (libharu's zlib at its fixed level was a fifth
  // of a CJK render). libharu skips its own once the font definition has a descriptor. Call
  // after the glyphs are final.
  void embed_font_program(const Font& font, std::string bytes) {
    if (!libharu::needs_font_program(font.handle)) return;
    HPDF_Dict data = HPDF_DictStream_New(doc->mmgr, doc->xref);
    check(data != nullptr, "HPDF_DictStream_New");
    check_status(HPDF_Dict_AddNumber(data, "Length1", static_cast<HPDF_INT32>(bytes.size())), "/Length1");
    set_own_stream(data, std::move(bytes), true);
    libharu::add_font_descriptor(doc.get(), error, font.handle, data);
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

  // The CIDToGIDMap (CID = code point): the glyph of each character drawn in the embedded
  // program, 0 elsewhere.
  void replace_cid_to_gid_map(const Font& font, const FontProgram& program) const {
    std::size_t end = 1;
    for (std::size_t cp = 0; cp < font.widths.size(); ++cp) {
      if (font.widths[cp] >= 0) end = cp + 1;
    }
    std::vector<std::uint16_t> glyphs(end, 0);
    for (std::size_t cp = 0; cp < end; ++cp) {
      if (font.widths[cp] >= 0) glyphs[cp] = program.glyph_id(font.glyph_id(static_cast<char32_t>(cp)));
    }
    libharu::replace_cid_to_gid_map(error, font.handle, glyphs);
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
  courier.courier = true;
  courier.handle = HPDF_GetFont(impl_->doc.get(), "Courier", "WinAnsiEncoding");
  impl_->check(courier.handle != nullptr, "HPDF_GetFont(Courier)");
  impl_->fonts.push_back(std::move(courier));
}

PdfDocument::~PdfDocument() = default;

int PdfDocument::load_builtin(const std::string& name) {
  Font font;
  font.courier = true;  // WinAnsi text, 600-unit advances: handled as Courier is
  font.handle = HPDF_GetFont(impl_->doc.get(), name.c_str(), "WinAnsiEncoding");
  impl_->check(font.handle != nullptr, ("HPDF_GetFont(" + name + ")").c_str());
  impl_->fonts.push_back(std::move(font));
  return static_cast<int>(impl_->fonts.size() - 1);
}

int PdfDocument::load_truetype(const std::string& path) {
  auto* doc = impl_->doc.get();
  if (!impl_->utf_enabled) {
    impl_->check_status(HPDF_UseUTFEncodings(doc), "HPDF_UseUTFEncodings");
    impl_->utf_enabled = true;
  }
  // A TrueType font gets a HarfBuzz subset when saved: open the library meanwhile.
  prepare_truetype_subsetting();
  auto file = std::make_unique<MappedFile>(path);
  const char* name = libharu::load_truetype(doc, impl_->error, impl_->source_stream(file->source));
  Font font;
  font.fontdef = HPDF_GetFontDef(doc, name);
  impl_->check(font.fontdef != nullptr, "HPDF_GetFontDef");
  font.glyph_ids.assign(0x10000, 0);
  font.handle = libharu::get_utf8_font(doc, name, font.glyph_id(U' '));
  impl_->check(font.handle != nullptr, "HPDF_GetFont(UTF-8)");
  font.file = file.get();
  impl_->mapped_files.push_back(std::move(file));
  font.unicode = true;
  font.path = path;
  font.name = name;
  font.widths.assign(0x10000, -1);
  impl_->fonts.push_back(std::move(font));
  return static_cast<int>(impl_->fonts.size() - 1);
}

bool PdfDocument::is_unicode(int font) const { return impl_->fonts.at(static_cast<std::size_t>(font)).unicode; }

bool PdfDocument::has_glyph(int font, char32_t cp) const {
  const auto& entry = impl_->fonts.at(static_cast<std::size_t>(font));
  if (!entry.unicode) return cp != 0 && unicode_to_windows_1252(cp) != 0;
  if (cp == 0 || cp > 0xFFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  return entry.glyph_id(cp) != 0;
}

void PdfDocument::use_glyph(int font, char32_t cp, int width) {
  auto& entry = impl_->fonts.at(static_cast<std::size_t>(font));
  if (entry.courier || cp > 0xFFFF) return;
  auto& declared = entry.widths[cp];
  if (declared >= 0) return;
  declared = static_cast<std::int16_t>(width);
  libharu::mark_glyph(libharu::fontdef_of(entry.handle), entry.glyph_id(cp));
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
  const char* name = HPDF_Page_GetLocalFontName(impl_->page(), impl_->fonts.at(static_cast<std::size_t>(font)).handle);
  impl_->check(name != nullptr, "HPDF_Page_GetLocalFontName");
  return name;
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
  for (const auto& font : impl_->fonts) {
    if (!font.unicode) continue;
    libharu::replace_widths(impl_->doc.get(), impl_->error, font.handle, font.widths);
    auto program = impl_->font_program(font);
    impl_->replace_cid_to_gid_map(font, program);
    libharu::replace_to_unicode(impl_->error, font.handle, font.widths);
    impl_->embed_font_program(font, std::move(program.bytes));
  }
  impl_->finish_own_streams();
  impl_->check_status(HPDF_SaveToFile(impl_->doc.get(), path.c_str()), "HPDF_SaveToFile");
}

}  // namespace txt2pdf
