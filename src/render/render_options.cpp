#include "txt2pdf/render/render_options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <utility>
#include <vector>

#include "txt2pdf/core/env_values.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/render/encoding_detect.hpp"

namespace txt2pdf {
namespace {

const char* source_name(OptionSource source) {
  switch (source) {
    case OptionSource::kEnvironment:
      return "environment variable";
    case OptionSource::kObjectMetadata:
      return "object metadata";
    case OptionSource::kCommandLine:
      return "command-line flag";
  }
  return "option";
}

// How the option is spelled in `source`: TXT2PDF_FONT_SIZE, x-amz-meta-txt2pdf-font-size, --font-size.
std::string spelled(std::string_view name, OptionSource source) {
  if (source == OptionSource::kCommandLine) return "--" + std::string(name);
  if (source == OptionSource::kObjectMetadata) return "x-amz-meta-txt2pdf-" + std::string(name);
  std::string variable = "TXT2PDF_";
  for (const char c : name) variable += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return variable;
}

[[noreturn]] void fail(std::string_view name, std::string_view value, OptionSource source, std::string_view expected) {
  const auto kind = source == OptionSource::kObjectMetadata ? ErrorKind::kBadInput : ErrorKind::kConfig;
  throw Error(kind, std::string("bad value \"") + std::string(value) + "\" for " + source_name(source) + " " +
                        spelled(name, source) + ": expected " + std::string(expected));
}

// The one boolean syntax (core/env_values); only the error differs by source (64 or 65).
bool parse_bool(std::string_view name, std::string_view value, OptionSource source) {
  if (const auto parsed = value_bool(value)) return *parsed;
  fail(name, value, source, bool_syntax());
}

double parse_number(std::string_view name, std::string_view value, OptionSource source, double min, double max) {
  const std::string text(value);
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(number >= min && number <= max)) {
    fail(name, value, source,
         "a number from " + std::to_string(static_cast<int>(min)) + " to " + std::to_string(static_cast<int>(max)));
  }
  return number;
}

using Setter = std::function<void(RenderOptions&, std::string_view, OptionSource)>;

struct OptionEntry {
  OptionDoc doc;
  Setter set;
};

Setter flag(bool RenderOptions::*member, const char* name) {
  return [member, name](RenderOptions& o, std::string_view v, OptionSource s) { o.*member = parse_bool(name, v, s); };
}

Setter text(std::string RenderOptions::*member) {
  return [member](RenderOptions& o, std::string_view v, OptionSource) { o.*member = std::string(v); };
}

void set_margins(RenderOptions& o, std::string_view value, OptionSource source) {
  std::vector<double> parts;
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    const auto part = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    parts.push_back(parse_number("margins", part.empty() ? value : part, source, 0, 720));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (parts.size() == 1) parts.assign(4, parts[0]);
  if (parts.size() != 4) fail("margins", value, source, "one number or four (top,right,bottom,left), in points");
  o.margin_top = parts[0], o.margin_right = parts[1], o.margin_bottom = parts[2], o.margin_left = parts[3];
}

// A setter for an option that takes one of a few case-insensitive words.
template <typename Value>
Setter choice(Value RenderOptions::*member, const char* name, std::vector<std::pair<std::string, Value>> words,
              const char* expected) {
  return [member, name, words = std::move(words), expected](RenderOptions& o, std::string_view v, OptionSource s) {
    const auto word = to_lower(v);
    for (const auto& [spelling, value] : words) {
      if (word == spelling) {
        o.*member = value;
        return;
      }
    }
    fail(name, v, s, expected);
  };
}

const std::vector<OptionEntry>& entries() {
  static const std::vector<OptionEntry> kEntries{
      {{"paper", "A4, Letter, Legal, A3", "paper size (environment: also PAPER)"},
       choice(&RenderOptions::paper, "paper",
              {{"a4", Paper::kA4}, {"letter", Paper::kLetter}, {"legal", Paper::kLegal}, {"a3", Paper::kA3}},
              "A4, Letter, Legal or A3")},
      {{"landscape", "true/false", "landscape orientation"},
       [](RenderOptions& o, std::string_view v, OptionSource s) {
         o.landscape = parse_bool("landscape", v, s);
         o.landscape_given = true;
       }},
      {{"margins", "points: 72 or 72,54,72,54", "margins: all, or top,right,bottom,left"}, set_margins},
      {{"font-size", "4-72 (points)", "font size; a column is 0.6 of it"},
       [](RenderOptions& o, std::string_view v, OptionSource s) {
         o.font_size = parse_number("font-size", v, s, 4, 72);
         o.font_size_given = true;
       }},
      {{"leading", "4-144 (points)", "baseline-to-baseline distance"},
       [](RenderOptions& o, std::string_view v, OptionSource s) {
         o.leading = parse_number("leading", v, s, 4, 144);
         o.leading_given = true;
       }},
      {{"tab-width", "1-32", "tab stops every N columns"},
       [](RenderOptions& o, std::string_view v, OptionSource s) {
         const double n = parse_number("tab-width", v, s, 1, 32);
         if (n != static_cast<int>(n)) fail("tab-width", v, s, "a whole number from 1 to 32");
         o.tab_width = static_cast<int>(n);
       }},
      {{"wrap", "true/false", "wrap long lines (false: truncate them)"}, flag(&RenderOptions::wrap, "wrap")},
      {{"header", "true/false", "file name and date in the top margin"}, flag(&RenderOptions::header, "header")},
      {{"footer", "true/false", "\"page N of M\" in the bottom margin"}, flag(&RenderOptions::footer, "footer")},
      {{"line-numbers", "true/false", "number the input lines"}, flag(&RenderOptions::line_numbers, "line-numbers")},
      {{"two-up", "true/false", "two pages side by side on a landscape sheet"}, flag(&RenderOptions::two_up, "two-up")},
      {{"title", "text", "PDF title (default: the file name or key)"}, text(&RenderOptions::title)},
      {{"header-text", "text", "text at the left of the header (default: the file name or key)"},
       text(&RenderOptions::header_text)},
      {{"subject", "text", "PDF subject"}, text(&RenderOptions::subject)},
      {{"keywords", "text", "PDF keywords"}, text(&RenderOptions::keywords)},
      {{"fit", "auto, none", "auto: font size and orientation fit the longest line (none: the fixed grid)"},
       choice(&RenderOptions::fit, "fit", {{"auto", Fit::kAuto}, {"none", Fit::kNone}}, "auto or none")},
      {{"ansi", "render, strip, show", "ANSI escapes: draw colours and bold, drop them, or show them"},
       choice(&RenderOptions::ansi, "ansi",
              {{"render", AnsiMode::kRender}, {"strip", AnsiMode::kStrip}, {"show", AnsiMode::kShow}},
              "render, strip or show")},
      {{"encoding", "auto or a character set", "input encoding: auto detects it; else e.g. Shift_JIS, cp1251"},
       [](RenderOptions& o, std::string_view v, OptionSource s) {
         if (!is_known_encoding(std::string(v))) fail("encoding", v, s, "auto or a character set iconv knows");
         o.encoding = std::string(v);
       }},
  };
  return kEntries;
}

}  // namespace

void set_render_time(RenderOptions& options, std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  options.date = text;
  std::strftime(text, sizeof text, "D:%Y%m%d%H%M%SZ", &utc);
  options.creation_date = text;
}

void apply_option(RenderOptions& options, std::string_view name, std::string_view value, OptionSource source) {
  const auto key = to_lower(name);
  for (const auto& entry : entries()) {
    if (key == entry.doc.name) {
      entry.set(options, value, source);
      return;
    }
  }
  const auto kind = source == OptionSource::kObjectMetadata ? ErrorKind::kBadInput : ErrorKind::kConfig;
  throw Error(kind, std::string("unknown ") + source_name(source) + " " + spelled(key, source));
}

void apply_environment(RenderOptions& options, const Environment& env) {
  if (const auto paper = lookup(env, "PAPER")) apply_option(options, "paper", *paper, OptionSource::kEnvironment);
  for (const auto& entry : entries()) {
    if (const auto value = lookup(env, spelled(entry.doc.name, OptionSource::kEnvironment))) {
      entry.set(options, *value, OptionSource::kEnvironment);
    }
  }
}

void apply_object_metadata(RenderOptions& options, const std::map<std::string, std::string>& metadata) {
  constexpr std::string_view kPrefix = "txt2pdf-";
  for (const auto& [raw_key, value] : metadata) {
    auto key = to_lower(raw_key);
    if (key.rfind("x-amz-meta-", 0) == 0) key.erase(0, 11);
    if (key.rfind(kPrefix, 0) != 0) continue;
    apply_option(options, std::string_view(key).substr(kPrefix.size()), value, OptionSource::kObjectMetadata);
  }
}

const std::vector<OptionDoc>& option_docs() {
  static const std::vector<OptionDoc> kDocs = [] {
    static const std::map<std::string, const char*> kDefaults{{"paper", "A4"},
                                                              {"landscape", "false (fit=auto may turn it on)"},
                                                              {"margins", "54"},
                                                              {"font-size", "10 (fit=auto may lower it)"},
                                                              {"leading", "1.2 x font-size"},
                                                              {"tab-width", "8"},
                                                              {"wrap", "true"},
                                                              {"header", "true"},
                                                              {"footer", "true"},
                                                              {"line-numbers", "false"},
                                                              {"two-up", "false"},
                                                              {"title", "the file name or key"},
                                                              {"header-text", "the file name or key"},
                                                              {"subject", "none"},
                                                              {"keywords", "none"},
                                                              {"fit", "auto"},
                                                              {"ansi", "render"},
                                                              {"encoding", "auto"}};
    std::vector<OptionDoc> docs;
    for (const auto& entry : entries()) {
      docs.push_back(entry.doc);
      const auto found = kDefaults.find(entry.doc.name);
      if (found != kDefaults.end()) docs.back().default_value = found->second;
    }
    return docs;
  }();
  return kDocs;
}

void paper_size(const RenderOptions& options, double& width, double& height) {
  switch (options.paper) {
    case Paper::kA4:
      width = 595.276, height = 841.89;
      break;
    case Paper::kLetter:
      width = 612, height = 792;
      break;
    case Paper::kLegal:
      width = 612, height = 1008;
      break;
    case Paper::kA3:
      width = 841.89, height = 1190.551;
      break;
  }
  // Two-up puts two portrait pages on a landscape sheet.
  if (options.landscape != options.two_up) std::swap(width, height);
}

}  // namespace txt2pdf
