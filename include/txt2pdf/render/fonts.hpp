// Font files for the renderer: the primary monospace font and fallbacks for characters it lacks,
// found through fontconfig. Only TrueType files with glyf outlines qualify: fonts are embedded as
// CIDFontType2 programs (FontFile2), which hold TrueType outlines; CFF outlines would need a
// CIDFontType0 and FontFile3, and a collection a face index, neither of which pdf.cpp writes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace txt2pdf {

// DejaVu Sans Mono's path: the Debian location when present (no fontconfig start-up cost),
// else what fontconfig matches for "DejaVu Sans Mono". Throws Error(kInternal) when missing.
[[nodiscard]] std::string primary_font_path();

// A fallback font Debian installs at a fixed path and known to cover `cp`'s block, when that
// file is a usable TrueType font: Droid Sans Fallback (fonts-droid-fallback, the container's
// fallback) for kana, CJK ideographs and full-width forms, NanumGothicCoding (fonts-nanum-coding
// or fonts-nanum) for Hangul. Tried before fontconfig, whose start-up (its configuration and
// every cache file) cost more than the rest of a one-line Japanese file. nullopt otherwise.
[[nodiscard]] std::optional<std::string> known_fallback_font(char32_t cp);

// Whether `path` is a single TrueType font with a glyf table (not CFF, not a collection).
[[nodiscard]] bool is_truetype_glyf(const std::string& path);

class FallbackFontFinder {
 public:
  // The process's one finder, made on first use: fontconfig's configuration, caches and sort take
  // milliseconds, once per process rather than once per document. Thread-safe.
  [[nodiscard]] static FallbackFontFinder& shared();

  ~FallbackFontFinder();
  FallbackFontFinder(const FallbackFontFinder&) = delete;
  FallbackFontFinder& operator=(const FallbackFontFinder&) = delete;

  // A TrueType/glyf font file whose character set has `cp`, monospace preferred (fontconfig's
  // sort order for "monospace"), skipping the files in `exclude`. nullopt when no font has it.
  [[nodiscard]] std::optional<std::string> find(char32_t cp, const std::vector<std::string>& exclude);

 private:
  FallbackFontFinder();  // initialises fontconfig; throws Error(kInternal) when it cannot
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace txt2pdf
