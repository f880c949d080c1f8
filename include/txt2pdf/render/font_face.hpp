// A TrueType font file as the renderer reads it: mapped read-only once per process and opened
// with HarfBuzz (loaded on first use), which looks glyphs up through the font's own best cmap
// and reads the metrics a PDF font descriptor states. libharu's TrueType loader is not used: it
// read the cmap, hmtx and loca tables one 2-byte field at a time and built per-glyph arrays,
// most of a one-line CJK render, for tables the PDF never needed.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace txt2pdf {

// What a PDF font descriptor says of a font. Lengths are in 1/1000 em, PDF's glyph space.
struct FontMetrics {
  std::string postscript_name;  // the 'name' table's, reduced to characters a PDF name allows
  int ascent = 0;
  int descent = 0;  // negative below the baseline
  int cap_height = 0;
  int x_height = 0;
  std::array<int, 4> bounding_box{};  // xMin, yMin, xMax, yMax
  double italic_angle = 0;            // degrees counter-clockwise from upright: negative leans right
  int weight = 400;                   // OS/2 usWeightClass
  bool fixed_pitch = false;
};

class FontFace {
 public:
  // The process's face of the font file at `path`, opened on first use and shared by every
  // document and render worker (thread-safe; a face never changes once open, and HarfBuzz's
  // faces and fonts may be read from many threads). Throws Error(kTransient) when the file cannot
  // be mapped, Error(kInternal) when HarfBuzz cannot be loaded or finds no glyphs in the file.
  [[nodiscard]] static std::shared_ptr<const FontFace> open(const std::string& path);

  ~FontFace();
  FontFace(const FontFace&) = delete;
  FontFace& operator=(const FontFace&) = delete;

  // The glyph of `cp` in the font's cmap (formats 4 and 12 alike); 0, .notdef, when it has none.
  [[nodiscard]] std::uint16_t glyph(char32_t cp) const;
  [[nodiscard]] const FontMetrics& metrics() const { return metrics_; }
  // The font file's bytes: the program to subset and embed.
  [[nodiscard]] std::string_view bytes() const;

 private:
  explicit FontFace(const std::string& path);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  FontMetrics metrics_;
};

}  // namespace txt2pdf
