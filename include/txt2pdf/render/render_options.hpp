// Rendering options and where they come from. Precedence: built-in defaults < environment
// (TXT2PDF_*) < object metadata (x-amz-meta-txt2pdf-*) in the job; defaults < flags locally.
// Every source names options the same way: "paper" is TXT2PDF_PAPER, metadata key
// "txt2pdf-paper" and flag --paper. A bad value is an error naming the option, the value and
// its source, never a silent default.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/render/text_ansi.hpp"

namespace txt2pdf {

enum class Paper { kA4, kLetter, kLegal, kA3 };

// kAuto: font size and orientation from the longest line of the first 64 KB (render_fit.hpp).
enum class Fit { kAuto, kNone };

struct RenderOptions {
  Paper paper = Paper::kA4;
  bool landscape = false;
  // Margins in points (1/72 inch): top, right, bottom, left. 54 (3/4 inch) leaves 81 columns on
  // A4 and 84 on Letter at 10 pt: 80-column text does not wrap.
  double margin_top = 54, margin_right = 54, margin_bottom = 54, margin_left = 54;
  double font_size = 10;  // points; a column is 0.6 of it
  double leading = 12;    // baseline-to-baseline distance, points
  Fit fit = Fit::kAuto;
  AnsiMode ansi = AnsiMode::kRender;
  // Set explicitly (by any source): fit=auto leaves these alone.
  bool font_size_given = false, leading_given = false, landscape_given = false;
  int tab_width = 8;
  bool wrap = true;    // false: truncate long lines (marked in the margin)
  bool header = true;  // file name left, date right, in the top margin
  bool footer = true;  // "page N of M" in the bottom margin
  bool line_numbers = false;
  bool two_up = false;        // two pages side by side on a landscape sheet
  std::string title;          // PDF Title; empty: header_text
  std::string header_text;    // usually the object key or file name
  std::string date;           // shown in the header, e.g. "2026-11-23 13:00 UTC"
  std::string creation_date;  // PDF CreationDate, "D:20261123130000Z"
  std::string subject;
  std::string keywords;
  std::string encoding = "auto";  // "auto": detect (encoding_detect.hpp); else an iconv character set
  // Pages beyond this are refused with Error(kBadInput) naming MAX_PAGES, as soon as the layout
  // reaches them; 0: no limit. A limit of the caller (the job's MAX_PAGES), not a rendering option:
  // no flag, variable or object metadata sets it through apply_option.
  long long max_pages = 0;
};

// Fills `date` and `creation_date` from `time` (UTC): the caller owns the clock.
void set_render_time(RenderOptions& options, std::chrono::system_clock::time_point time);

enum class OptionSource { kEnvironment, kObjectMetadata, kCommandLine };

// Sets option `name` ("paper", "font-size", ...) from text. Throws Error(kConfig) for the
// environment and the command line, Error(kBadInput) for object metadata, naming the option,
// the value and the source, for a bad value or an unknown name.
void apply_option(RenderOptions& options, std::string_view name, std::string_view value, OptionSource source);

// TXT2PDF_<NAME> variables (TXT2PDF_PAPER, TXT2PDF_FONT_SIZE...); PAPER is accepted for paper
// (TXT2PDF_PAPER wins). Unknown TXT2PDF_* variables are ignored: they may belong to the job.
void apply_environment(RenderOptions& options, const Environment& env);

// Metadata keys as S3 returns them without "x-amz-meta-" (case-insensitive): every
// "txt2pdf-*" key must be a known option. Other keys are ignored.
void apply_object_metadata(RenderOptions& options, const std::map<std::string, std::string>& metadata);

// Option names with a one-line description, for --help and the README.
struct OptionDoc {
  const char* name;
  const char* values;
  const char* meaning;
  const char* default_value = "";  // as --help shows it
};
[[nodiscard]] const std::vector<OptionDoc>& option_docs();

// Paper size in points, orientation applied.
void paper_size(const RenderOptions& options, double& width, double& height);

}  // namespace txt2pdf
