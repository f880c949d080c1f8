#include "txt2pdf/render/font_face.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>

#include "harfbuzz_api.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/render/font_tables.hpp"

namespace txt2pdf {
namespace {

// PDF names may hold any regular character, but the delimiters and '#' would need escapes that
// some readers get wrong, and a PostScript name never needs them: they become '_'.
std::string pdf_safe_name(std::string_view name) {
  std::string safe;
  for (const char c : name.substr(0, 63)) {
    const bool regular = c > ' ' && c < 0x7F && std::strchr("()<>[]{}/%#", c) == nullptr;
    safe += regular ? c : '_';
  }
  return safe;
}

std::string file_stem(const std::string& path) {
  const auto slash = path.rfind('/');
  const auto start = slash == std::string::npos ? 0 : slash + 1;
  const auto dot = path.rfind('.');
  return path.substr(start, dot == std::string::npos || dot < start ? std::string::npos : dot - start);
}

}  // namespace

struct FontFace::Impl {
  const HarfBuzzApi& hb = harfbuzz_api();
  const char* data = nullptr;
  std::size_t size = 0;
  hb_blob_t* blob = nullptr;
  hb_face_t* face = nullptr;
  hb_font_t* font = nullptr;  // at the default scale: positions come in font units

  ~Impl() {
    if (font != nullptr) hb.font_destroy(font);
    if (face != nullptr) hb.face_destroy(face);
    if (blob != nullptr) hb.blob_destroy(blob);
    if (data != nullptr) ::munmap(const_cast<char*>(data), size);
  }

  void map(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    void* mapped = MAP_FAILED;
    if (fd >= 0 && ::fstat(fd, &info) == 0 && info.st_size > 0) {
      size = static_cast<std::size_t>(info.st_size);
      mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    const int saved_errno = errno;
    if (fd >= 0) ::close(fd);
    if (mapped == MAP_FAILED) {
      throw Error(ErrorKind::kTransient, "cannot map font file " + path + ": " + std::strerror(saved_errno));
    }
    data = static_cast<const char*>(mapped);
  }

  // A table's bytes (empty when the font has none); valid while the face lives.
  std::string_view table(hb_tag_t tag) const {
    hb_blob_t* table = hb.face_reference_table(face, tag);
    unsigned length = 0;
    const char* bytes = hb.blob_get_data(table, &length);
    hb.blob_destroy(table);  // the face keeps its own reference to the bytes
    return bytes == nullptr ? std::string_view() : std::string_view(bytes, length);
  }

  int position(hb_ot_metrics_tag_t tag) const {
    hb_position_t value = 0;
    hb.ot_metrics_get_position_with_fallback(font, tag, &value);
    return value;
  }

  FontMetrics read_metrics(const std::string& path) const {
    const double per_unit = 1000.0 / hb.face_get_upem(face);
    auto scaled = [per_unit](int units) { return static_cast<int>(std::lround(units * per_unit)); };
    FontMetrics metrics;
    char name[128] = {};
    unsigned name_size = sizeof name;
    hb.ot_name_get_utf8(face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID, &name_size, name);
    metrics.postscript_name = pdf_safe_name(name_size > 0 ? std::string_view(name, name_size) : file_stem(path));
    if (metrics.postscript_name.empty()) metrics.postscript_name = "Font";
    metrics.ascent = scaled(position(HB_OT_METRICS_TAG_HORIZONTAL_ASCENDER));
    metrics.descent = scaled(position(HB_OT_METRICS_TAG_HORIZONTAL_DESCENDER));
    metrics.cap_height = scaled(position(HB_OT_METRICS_TAG_CAP_HEIGHT));
    metrics.x_height = scaled(position(HB_OT_METRICS_TAG_X_HEIGHT));
    if (const auto box = head_bounding_box(table(HB_TAG('h', 'e', 'a', 'd')))) {
      for (std::size_t i = 0; i < 4; ++i) metrics.bounding_box[i] = scaled((*box)[i]);
    }
    metrics.italic_angle = hb.style_get_value(font, HB_STYLE_TAG_SLANT_ANGLE);
    metrics.weight = static_cast<int>(hb.style_get_value(font, HB_STYLE_TAG_WEIGHT));
    metrics.fixed_pitch = post_is_fixed_pitch(table(HB_TAG('p', 'o', 's', 't')));
    return metrics;
  }
};

FontFace::FontFace(const std::string& path) : impl_(std::make_unique<Impl>()) {
  auto& impl = *impl_;
  impl.map(path);
  const auto& hb = impl.hb;
  impl.blob = hb.blob_create(impl.data, static_cast<unsigned>(impl.size), HB_MEMORY_MODE_READONLY, nullptr, nullptr);
  impl.face = hb.face_create(impl.blob, 0);
  // HarfBuzz reads anything as a font with no tables (and no glyphs).
  if (hb.face_get_glyph_count(impl.face) == 0) {
    throw Error(ErrorKind::kInternal, "font file " + path + ": HarfBuzz finds no glyphs in it");
  }
  impl.font = hb.font_create(impl.face);
  metrics_ = impl.read_metrics(path);
}

FontFace::~FontFace() = default;

std::shared_ptr<const FontFace> FontFace::open(const std::string& path) {
  // HarfBuzz first: its table is then made before the faces below, and outlives them at exit.
  (void)harfbuzz_api();
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const FontFace>> faces;
  const std::lock_guard<std::mutex> lock(mutex);
  auto& face = faces[path];
  if (!face) face.reset(new FontFace(path));  // a constructor that throws leaves it for a retry
  return face;
}

std::uint16_t FontFace::glyph(char32_t cp) const {
  hb_codepoint_t glyph = 0;
  if (!impl_->hb.font_get_nominal_glyph(impl_->font, cp, &glyph) || glyph > 0xFFFF) return 0;
  return static_cast<std::uint16_t>(glyph);
}

std::string_view FontFace::bytes() const { return {impl_->data, impl_->size}; }

}  // namespace txt2pdf
