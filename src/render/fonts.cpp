#include "txt2pdf/render/fonts.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <mutex>

#include "fontconfig_api.hpp"
#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

constexpr const char* kDebianDejaVuMono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

struct KnownFallback {
  const char* path;
  char32_t first;
  char32_t last;
};

// Blocks the font covers almost whole (the few gaps go on to fontconfig: FontChain checks the
// glyph). Droid Sans Fallback has 3 of the 11,172 Hangul syllables.
constexpr const char* kDroidSansFallback = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf";
constexpr const char* kNanumGothicCoding = "/usr/share/fonts/truetype/nanum/NanumGothicCoding.ttf";
constexpr KnownFallback kKnownFallbacks[] = {
    {kNanumGothicCoding, 0x1100, 0x11FF},  // Hangul Jamo
    {kDroidSansFallback, 0x3000, 0x30FF},  // CJK punctuation, hiragana, katakana
    {kNanumGothicCoding, 0x3130, 0x318F},  // Hangul compatibility Jamo
    {kDroidSansFallback, 0x3400, 0x4DBF},  // CJK extension A
    {kDroidSansFallback, 0x4E00, 0x9FFF},  // CJK unified ideographs
    {kNanumGothicCoding, 0xAC00, 0xD7A3},  // Hangul syllables
    {kDroidSansFallback, 0xF900, 0xFAFF},  // CJK compatibility ideographs
    {kDroidSansFallback, 0xFF00, 0xFFEF},  // half-width and full-width forms
};

std::uint32_t read_be32(const unsigned char* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
}

// fontconfig is opened on first use (fontconfig_api.hpp): plain text never needs it.
struct PatternDeleter {
  void operator()(FcPattern* pattern) const { fontconfig_api().pattern_destroy(pattern); }
};
struct FontSetDeleter {
  void operator()(FcFontSet* set) const { fontconfig_api().font_set_destroy(set); }
};

}  // namespace

bool is_truetype_glyf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 12> header{};
  if (!in.read(reinterpret_cast<char*>(header.data()), header.size())) return false;
  const auto version = read_be32(header.data());
  if (version != 0x00010000u && version != 0x74727565u /* 'true' */) return false;
  const unsigned tables = (unsigned{header[4]} << 8) | header[5];
  std::array<unsigned char, 16> record{};
  for (unsigned i = 0; i < tables; ++i) {
    if (!in.read(reinterpret_cast<char*>(record.data()), record.size())) return false;
    if (record[0] == 'g' && record[1] == 'l' && record[2] == 'y' && record[3] == 'f') return true;
  }
  return false;
}

std::optional<std::string> known_fallback_font(char32_t cp) {
  for (const auto& known : kKnownFallbacks) {
    if (cp < known.first || cp > known.last) continue;
    // Checked once per process: installed fonts do not change under a running conversion.
    static std::map<std::string, bool> usable;
    static std::mutex usable_mutex;
    const std::lock_guard<std::mutex> lock(usable_mutex);
    const auto found = usable.find(known.path);
    const bool ok = found != usable.end() ? found->second : (usable[known.path] = is_truetype_glyf(known.path));
    if (ok) return std::string(known.path);
    return std::nullopt;
  }
  return std::nullopt;
}

std::string primary_font_path() {
  if (std::ifstream(kDebianDejaVuMono).good()) return kDebianDejaVuMono;
  const FontconfigApi& fc = fontconfig_api();
  FcConfig* config = fc.init_load_config_and_fonts();
  std::unique_ptr<FcPattern, PatternDeleter> pattern(
      fc.name_parse(reinterpret_cast<const FcChar8*>("DejaVu Sans Mono:style=Book")));
  std::string path;
  if (config != nullptr && pattern) {
    fc.config_substitute(config, pattern.get(), FcMatchPattern);
    fc.default_substitute(pattern.get());
    FcResult result = FcResultNoMatch;
    std::unique_ptr<FcPattern, PatternDeleter> match(fc.font_match(config, pattern.get(), &result));
    FcChar8* file = nullptr;
    FcChar8* family = nullptr;
    if (match && fc.pattern_get_string(match.get(), FC_FILE, 0, &file) == FcResultMatch &&
        fc.pattern_get_string(match.get(), FC_FAMILY, 0, &family) == FcResultMatch &&
        std::string(reinterpret_cast<char*>(family)) == "DejaVu Sans Mono") {
      path = reinterpret_cast<char*>(file);
    }
  }
  if (config != nullptr) fc.config_destroy(config);
  if (path.empty() || !is_truetype_glyf(path)) {
    throw Error(ErrorKind::kInternal, "font DejaVu Sans Mono not found (install fonts-dejavu-core)");
  }
  return path;
}

struct FallbackFontFinder::Impl {
  std::mutex mutex;  // find() runs on every render worker
  FcConfig* config = nullptr;
  std::unique_ptr<FcFontSet, FontSetDeleter> sorted;  // every font, monospace first
  std::map<std::string, bool> glyf_cache;             // path -> is_truetype_glyf

  bool usable(const std::string& path) {
    const auto found = glyf_cache.find(path);
    if (found != glyf_cache.end()) return found->second;
    return glyf_cache[path] = is_truetype_glyf(path);
  }
};

FallbackFontFinder::FallbackFontFinder() : impl_(std::make_unique<Impl>()) {
  const FontconfigApi& fc = fontconfig_api();
  impl_->config = fc.init_load_config_and_fonts();
  if (impl_->config == nullptr) throw Error(ErrorKind::kInternal, "fontconfig: cannot load its configuration");
  std::unique_ptr<FcPattern, PatternDeleter> pattern(fc.name_parse(reinterpret_cast<const FcChar8*>("monospace")));
  fc.config_substitute(impl_->config, pattern.get(), FcMatchPattern);
  fc.default_substitute(pattern.get());
  FcResult result = FcResultNoMatch;
  // One sort for the whole run; per-character queries then only test character sets.
  impl_->sorted.reset(fc.font_sort(impl_->config, pattern.get(), FcFalse, nullptr, &result));
}

FallbackFontFinder& FallbackFontFinder::shared() {
  // Destroyed at exit, fontconfig's configuration with it (fontconfig's caches hold pointers a
  // leak checker cannot follow: left alone they count as leaks). Render workers are joined by
  // then. A constructor that throws leaves it unmade: the next call tries again.
  static FallbackFontFinder finder;
  return finder;
}

FallbackFontFinder::~FallbackFontFinder() {
  impl_->sorted.reset();
  if (impl_->config != nullptr) fontconfig_api().config_destroy(impl_->config);
}

std::optional<std::string> FallbackFontFinder::find(char32_t cp, const std::vector<std::string>& exclude) {
  const std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->sorted) return std::nullopt;
  const FontconfigApi& fc = fontconfig_api();
  for (int i = 0; i < impl_->sorted->nfont; ++i) {
    FcPattern* font = impl_->sorted->fonts[i];
    FcCharSet* charset = nullptr;
    FcChar8* file = nullptr;
    int index = 0;
    if (fc.pattern_get_char_set(font, FC_CHARSET, 0, &charset) != FcResultMatch || charset == nullptr) continue;
    if (fc.char_set_has_char(charset, static_cast<FcChar32>(cp)) == FcFalse) continue;
    if (fc.pattern_get_string(font, FC_FILE, 0, &file) != FcResultMatch) continue;
    if (fc.pattern_get_integer(font, FC_INDEX, 0, &index) == FcResultMatch && index != 0) continue;
    const std::string path(reinterpret_cast<char*>(file));
    if (std::find(exclude.begin(), exclude.end(), path) != exclude.end()) continue;
    if (impl_->usable(path)) return path;
  }
  return std::nullopt;
}

}  // namespace txt2pdf
