// Text file in, PDF out: decoding (text_decode), layout (text_layout), fonts (fonts) and the
// document (pdf) tied together, streaming the input in 64 KB pieces. Also the local
// `txt2pdf-job render IN OUT [flags]` command.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/render/render_options.hpp"

namespace txt2pdf {

struct RenderStats {
  int pages = 0;            // physical PDF pages
  std::uint64_t lines = 0;  // input lines
  std::uint64_t rows = 0;   // printed rows (lines after wrapping)
  std::uint64_t input_bytes = 0;
  std::uint64_t output_bytes = 0;
  std::uint64_t replaced_invalid = 0;    // invalid byte sequences shown as U+FFFD
  std::uint64_t missing_glyphs = 0;      // characters no font has (incl. above U+FFFF), shown as U+FFFD
  std::uint64_t rtl_characters = 0;      // right-to-left characters (drawn in logical order)
  std::string encoding;                  // "utf-8", "utf-16le", "shift_jis", "windows-1251"...
  std::string encoding_method;           // "bom", "utf-8", "option", "uchardet", "heuristic", "fallback"
  std::string encoding_detail;           // how, in a sentence
  bool encoding_low_confidence = false;  // a weak guess (logged as a warning)
  std::vector<std::string> fonts;        // "Courier" and the TrueType files embedded
  double font_size = 0;                  // as drawn (fit=auto may have lowered it)
  bool landscape = false;                // as drawn
  int columns = 0;                       // text columns per row
  int lines_per_page = 0;
  bool escapes = false;  // ANSI escapes or overstrike were seen
};

// Reads `input_fd` to its end in pieces and writes the PDF to `output_path` through a temporary
// file in the same directory and a rename, so no partial PDF ever exists under `output_path`
// ("-": standard output, written once the PDF is complete).
// Throws Error(kBadInput) for binary input (message says why; nothing written), Error(kConfig)
// when margins and font size leave no room for text, Error(kTransient) for read/write failures
// (e.g. a full disk), Error(kInternal) for libharu failures.
// For output_path "-" the PDF is staged in `temp_dir` (the caller's TMPDIR), else beside output_path.
[[nodiscard]] RenderStats render_pdf(int input_fd, const std::string& output_path, const RenderOptions& options,
                                     const std::string& temp_dir = "/tmp");

// The fields a log record carries for `stats`.
[[nodiscard]] nlohmann::json stats_fields(const RenderStats& stats);

// `txt2pdf-job render IN OUT [--paper A4 --landscape --font-size 10 ...]`; `args` are the words
// after "render". IN/OUT may be "-". Options: defaults < TXT2PDF_* environment < flags.
// Logs one JSON record (or an error) through `logger` and returns the process exit code:
// 0, 64 for a bad flag or environment value (named), 65 for binary input, 66 when IN is missing.
[[nodiscard]] int run_render_command(const std::vector<std::string>& args, const Environment& env,
                                     const Logger& logger);

}  // namespace txt2pdf
