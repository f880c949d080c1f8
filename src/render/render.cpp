#include "txt2pdf/render/render.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/temp_file.hpp"
#include "txt2pdf/render/encoding_detect.hpp"
#include "txt2pdf/render/pdf.hpp"
#include "txt2pdf/render/render_writer.hpp"
#include "txt2pdf/render/text_ansi.hpp"
#include "txt2pdf/render/text_decode.hpp"
#include "txt2pdf/render/text_layout.hpp"

#ifndef TXT2PDF_VERSION
#define TXT2PDF_VERSION "0"
#endif

namespace txt2pdf {
namespace {

constexpr std::size_t kReadSize = std::size_t{64} * 1024;

// Reads up to `want` bytes (fewer only at end of input).
std::size_t read_some(int fd, char* buffer, std::size_t want) {
  std::size_t done = 0;
  while (done < want) {
    const auto got = ::read(fd, buffer + done, want - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(ErrorKind::kTransient, std::string("reading the input: ") + std::strerror(errno));
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

// "Latin" mode (built-in Courier, nothing embedded) when the start of the text needs nothing
// beyond Windows-1252; characters outside it later still get a TrueType font.
bool fits_windows_1252(std::u32string_view text) {
  for (const char32_t cp : text) {
    if (cp >= 0x80 && unicode_to_windows_1252(cp) == 0 && !(cp >= 0x80 && cp < 0xA0)) return false;
  }
  return true;
}

// The process's umask, read once: reading it sets it, which must not race with parallel renders
// (render -o) creating files.
mode_t process_umask() {
  static const mode_t bits = [] {
    const mode_t value = ::umask(0);
    ::umask(value);
    return value;
  }();
  return bits;
}

// A temporary file beside `output_path` (in `temp_dir` for "-"), closed, with the mode a new
// file gets: mkstemp makes it 0600, and the renamed PDF should be 0666 less the umask. The umask is
// read once (process_umask).
std::unique_ptr<TempFile> staging_file(const std::string& output_path, const std::string& temp_dir) {
  std::string directory = temp_dir;
  std::string base = "txt2pdf";
  if (output_path != "-") {
    const auto slash = output_path.rfind('/');
    directory = slash == std::string::npos ? "." : output_path.substr(0, slash == 0 ? 1 : slash);
    base = output_path.substr(slash == std::string::npos ? 0 : slash + 1);
  }
  auto file = std::make_unique<TempFile>(directory, "." + base + ".", "");
  // A file already at `output_path` keeps its mode, as an in-place write would: the job hands a
  // 0600 mkstemp file in a shared TMPDIR, which must not become world-readable by the rename.
  struct stat existing {};
  if (output_path != "-" && ::stat(output_path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    ::fchmod(file->fd(), existing.st_mode & 07777);
  } else {
    ::fchmod(file->fd(), 0666 & ~process_umask());
  }
  file->close();
  return file;
}

std::uint64_t file_size(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw Error(ErrorKind::kTransient, "cannot stat " + path);
  return static_cast<std::uint64_t>(info.st_size);
}

void copy_to_stdout(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::kTransient, "cannot reopen " + path);
  std::string buffer(kReadSize, '\0');
  try {
    for (std::size_t got; (got = read_some(fd, buffer.data(), buffer.size())) > 0;) {
      write_all(1, std::string_view(buffer.data(), got), "the PDF to stdout");
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

void save(PdfDocument& pdf, const std::string& output_path, const std::string& temp_dir, RenderStats& stats) {
  const auto staged = staging_file(output_path, temp_dir);
  TempFile& temp = *staged;
  pdf.save(temp.path());
  stats.output_bytes = file_size(temp.path());
  if (output_path == "-") {
    copy_to_stdout(temp.path());
    return;
  }
  if (::rename(temp.path().c_str(), output_path.c_str()) != 0) {
    throw Error(ErrorKind::kTransient, "cannot rename the PDF to " + output_path + ": " + std::strerror(errno));
  }
  temp.release();
}

// The document information: the options' title, subject and keywords, and how it was decoded.
void set_document_info(PdfDocument& pdf, const RenderOptions& options, const RenderStats& stats) {
  PdfInfo info;
  info.title = options.title.empty() ? options.header_text : options.title;
  info.subject = options.subject;
  info.keywords = options.keywords;
  info.producer = "txt2pdf " TXT2PDF_VERSION " (libharu)";
  info.creation_date = options.creation_date;
  info.missing_glyphs = std::to_string(stats.missing_glyphs);
  info.encoding = stats.encoding;
  info.encoding_method = stats.encoding_method + (stats.encoding_low_confidence ? " (low confidence)" : "");
  pdf.set_info(info);
}

// What the finished document holds.
void record_totals(const PdfDocument& pdf, const Layout& layout, const TextDecoder& decoder, const FontChain& fonts,
                   RenderStats& stats) {
  stats.pages = pdf.page_count();
  stats.lines = layout.source_lines();
  stats.rows = layout.rows();
  stats.replaced_invalid = decoder.replaced();
  stats.missing_glyphs = fonts.missing();
  stats.fonts = fonts.font_names();
}

void record_encoding(const EncodingChoice& chosen, RenderStats& stats) {
  stats.encoding = chosen.name;
  stats.encoding_method = chosen.method;
  stats.encoding_detail = chosen.detail;
  stats.encoding_low_confidence = chosen.low_confidence;
}

}  // namespace

RenderStats render_pdf(int input_fd, const std::string& output_path, const RenderOptions& requested,
                       const std::string& temp_dir) {
  RenderStats stats;
  (void)PageGeometry::from(requested);  // a page too small fails before anything is read

  // The first 64 KB decide encoding, binary refusal, page fit and font mode before anything is
  // drawn. Uninitialized: zeroing 64 KB is 16 page faults, a tenth of a one-line render.
  static_assert(kReadSize >= kSniffBytes);
  const std::unique_ptr<char[]> buffer(new char[kReadSize]);
  const std::string_view bytes(buffer.get(), read_some(input_fd, buffer.get(), kSniffBytes));
  stats.input_bytes = bytes.size();
  const auto chosen = choose_encoding(bytes, requested.encoding);
  record_encoding(chosen, stats);
  TextDecoder decoder(chosen.encoding, chosen.charset);
  std::u32string decoded;
  bool last = bytes.size() < kSniffBytes;
  decoder.decode(bytes.substr(chosen.bom_length), last, decoded);

  // A CR is a carriage return (progress bars) in text that has LF line ends, a line end otherwise.
  const bool cr_overwrites = decoded.find(U'\n') != std::u32string::npos;
  AnsiFilter filter(requested.ansi, requested.tab_width, cr_overwrites);
  std::u32string text;
  std::vector<CellStyle> styles;
  filter.feed(decoded, text, styles);
  if (last) filter.finish(text, styles);

  const RenderOptions options = fitted_options(requested, longest_line_columns(text, requested.tab_width));
  const auto geometry = PageGeometry::from(options);
  stats.font_size = options.font_size;
  stats.landscape = options.landscape;
  stats.columns = geometry.columns - geometry.gutter;
  stats.lines_per_page = geometry.lines;

  PdfDocument pdf;
  FontChain fonts(pdf, fits_windows_1252(text));
  PageWriter writer(pdf, fonts, options, geometry);
  Layout layout(geometry.layout(options), writer);
  for (;;) {
    for (const char32_t cp : text) stats.rtl_characters += cp >= 0x590 && is_right_to_left(cp) ? 1 : 0;
    layout.feed(text, styles.empty() ? nullptr : styles.data());
    text.clear();
    styles.clear();
    if (last) break;
    const auto got = read_some(input_fd, buffer.get(), kReadSize);
    stats.input_bytes += got;
    last = got < kReadSize;
    decoded.clear();
    decoder.decode(std::string_view(buffer.get(), got), last, decoded);
    filter.feed(decoded, text, styles);
    if (last) filter.finish(text, styles);
  }
  layout.finish();
  writer.finish();
  stats.escapes = filter.saw_escapes();

  record_totals(pdf, layout, decoder, fonts, stats);

  set_document_info(pdf, options, stats);
  save(pdf, output_path, temp_dir, stats);
  return stats;
}

nlohmann::json stats_fields(const RenderStats& stats) {
  return {{"pages", stats.pages},
          {"lines", stats.lines},
          {"rows", stats.rows},
          {"input_bytes", stats.input_bytes},
          {"output_bytes", stats.output_bytes},
          {"encoding", stats.encoding},
          {"encoding_method", stats.encoding_method},
          {"encoding_detail", stats.encoding_detail},
          {"replaced_invalid", stats.replaced_invalid},
          {"missing_glyphs", stats.missing_glyphs},
          {"rtl_characters", stats.rtl_characters},
          {"fonts", stats.fonts},
          {"font_size", stats.font_size},
          {"landscape", stats.landscape},
          {"columns", stats.columns},
          {"lines_per_page", stats.lines_per_page},
          {"escapes", stats.escapes}};
}

namespace {

bool is_boolean(const OptionDoc& doc) { return std::string(doc.values) == "true/false"; }

const OptionDoc* find_doc(std::string_view name) {
  for (const auto& doc : option_docs()) {
    if (name == doc.name) return &doc;
  }
  return nullptr;
}

std::string usage() {
  std::string text =
      "usage: txt2pdf-job render IN OUT [options]          one file (IN and OUT may be -)\n"
      "       txt2pdf-job render -o OUTDIR FILE... [options] many files in parallel: OUTDIR/NAME.pdf\n"
      "       txt2pdf-job render --help | --version\n"
      "options (also TXT2PDF_<NAME> environment variables; flags win):\n";
  for (const auto& doc : option_docs()) {
    std::string flag = std::string("  --") + doc.name + (std::string(doc.values) == "true/false" ? "" : " VALUE");
    flag.resize(std::max<std::size_t>(flag.size() + 1, 24), ' ');
    text += flag + doc.meaning + " (" + doc.values + ")";
    if (*doc.default_value != '\0') text += " [default: " + std::string(doc.default_value) + "]";
    text += "\n";
  }
  return text +
         "  -o, --output-dir DIR  write FILE.pdf (FILE without .txt) for each FILE into DIR\n"
         "  boolean options also take --no-NAME and --NAME=false\n"
         "logs: JSON lines on stderr, or human-readable when stderr is a terminal (TXT2PDF_LOG_FORMAT=json|human)\n";
}

struct RenderArgs {
  std::vector<std::string> files;
  std::string output_dir;  // -o: every file is an input
};

// Parses the words after "render" into files and options on top of `options`.
void parse_render_args(const std::vector<std::string>& args, RenderOptions& options, RenderArgs& parsed) {
  auto& files = parsed.files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-o" || arg == "--output-dir") {
      if (i + 1 >= args.size()) throw Error(ErrorKind::kConfig, "command-line flag " + arg + " needs a directory");
      parsed.output_dir = args[++i];
      continue;
    }
    if (arg.rfind("--output-dir=", 0) == 0) {
      parsed.output_dir = arg.substr(13);
      continue;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      files.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    const auto equals = name.find('=');
    const OptionDoc* doc = nullptr;
    if (equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
      doc = find_doc(name);
    } else if ((doc = find_doc(name)) != nullptr && is_boolean(*doc)) {
      value = "true";
    } else if (name.compare(0, 3, "no-") == 0 && (doc = find_doc(name.substr(3))) != nullptr && is_boolean(*doc)) {
      name = name.substr(3);
      value = "false";
    } else if (doc != nullptr) {
      if (i + 1 >= args.size()) throw Error(ErrorKind::kConfig, "command-line flag --" + name + " needs a value");
      value = args[++i];
    }
    if (doc == nullptr) throw Error(ErrorKind::kConfig, "unknown command-line flag " + arg + " (see --help)");
    apply_option(options, name, value, OptionSource::kCommandLine);
  }
  if (!parsed.output_dir.empty()) {
    if (files.empty()) throw Error(ErrorKind::kConfig, "render -o DIR needs at least one input file; see --help");
    return;
  }
  if (files.size() != 2) {
    throw Error(ErrorKind::kConfig, "render needs exactly two arguments, IN and OUT, or -o DIR FILE... (got " +
                                        std::to_string(files.size()) + "); see --help");
  }
}

// OUTDIR/NAME.pdf for input FILE: NAME is FILE's base name without ".txt" (kept otherwise, so
// a.log and a.txt do not collide).
std::string output_for(const std::string& output_dir, const std::string& input) {
  std::string base = input.substr(input.rfind('/') + 1);
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".txt") == 0) base.resize(base.size() - 4);
  return output_dir + (output_dir.back() == '/' ? "" : "/") + base + ".pdf";
}

int open_input(const std::string& path) {
  if (path == "-") return 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) return fd;
  const auto kind = errno == EACCES ? ErrorKind::kAccessDenied : ErrorKind::kNotFound;
  throw Error(kind, "cannot open input " + path + ": " + std::strerror(errno));
}

}  // namespace

namespace {

// One conversion, logged; returns its exit code.
int render_one(const std::string& input, const std::string& output, RenderOptions options, const std::string& temp_dir,
               const Logger& logger) {
  const auto started = std::chrono::steady_clock::now();
  try {
    if (options.header_text.empty()) {
      options.header_text = input == "-" ? std::string("stdin") : input.substr(input.rfind('/') + 1);
    }
    const int fd = open_input(input);
    RenderStats stats;
    try {
      stats = render_pdf(fd, output, options, temp_dir);
    } catch (...) {
      if (fd != 0) ::close(fd);
      throw;
    }
    if (fd != 0) ::close(fd);
    auto fields = stats_fields(stats);
    fields["input"] = input;
    fields["output"] = output;
    fields["duration_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (stats.rtl_characters > 0) {
      logger.warn("right-to-left text drawn in logical order (no bidi reordering)", fields);
    }
    if (stats.encoding_low_confidence) {
      logger.warn("input encoding is a low-confidence guess (force one with --encoding)", fields);
    }
    if (stats.missing_glyphs > 0 || stats.replaced_invalid > 0) {
      logger.warn("characters replaced by U+FFFD", fields);
    }
    logger.info("rendered", fields);
    return kExitOk;
  } catch (const Error& error) {
    auto fields = error_fields(error);
    fields["input"] = input;
    logger.error("render failed", fields);
    return exit_code_for(error);
  } catch (const std::exception& error) {
    logger.error("render failed", {{"error_kind", "internal"}, {"error", error.what()}, {"input", input}});
    return kExitInternal;
  }
}

// `render -o DIR FILE...`: one worker per core takes the next file; a summary record at the end.
// Returns 0, or the exit code of the first file (in argument order) that failed.
int render_many(const RenderArgs& args, const RenderOptions& options, const std::string& temp_dir,
                const Logger& logger) {
  // Checked once up front: otherwise every file fails on its temporary file, with a hint at TMPDIR.
  struct stat info {};
  const bool found = ::stat(args.output_dir.c_str(), &info) == 0;
  if (!found || !S_ISDIR(info.st_mode)) {
    const std::string why = found ? "not a directory" : std::strerror(errno);
    throw Error(ErrorKind::kConfig, "render -o " + args.output_dir + ": " + why + " (the output directory must exist)");
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<int> codes(args.files.size(), kExitOk);
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < args.files.size();) {
      codes[i] = render_one(args.files[i], output_for(args.output_dir, args.files[i]), options, temp_dir, logger);
    }
  };
  const std::size_t workers =
      std::min<std::size_t>(args.files.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  const auto failed = static_cast<std::size_t>(std::count_if(codes.begin(), codes.end(), [](int c) { return c != 0; }));
  const nlohmann::json fields{
      {"files", args.files.size()},
      {"rendered", args.files.size() - failed},
      {"failed", failed},
      {"workers", workers},
      {"output_dir", args.output_dir},
      {"duration_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()}};
  if (failed > 0) {
    logger.error(std::to_string(failed) + " of " + std::to_string(args.files.size()) + " files failed", fields);
  } else {
    logger.info("rendered " + std::to_string(args.files.size()) + " files", fields);
  }
  for (const int code : codes) {
    if (code != kExitOk) return code;
  }
  return kExitOk;
}

}  // namespace

int run_render_command(const std::vector<std::string>& args, const Environment& env, const Logger& logger) {
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      const auto text = usage();
      write_all(1, text, "the usage to stdout");
      return kExitOk;
    }
    if (arg == "--version") {
      const std::string text = "txt2pdf-job " TXT2PDF_VERSION "\n";
      write_all(1, text, "the version to stdout");
      return kExitOk;
    }
  }
  try {
    RenderOptions options;
    apply_environment(options, env);
    RenderArgs parsed;
    parse_render_args(args, options, parsed);
    set_render_time(options, std::chrono::system_clock::now());
    (void)process_umask();  // read once, before any worker creates a file
    const std::string temp_dir = lookup(env, "TMPDIR").value_or("/tmp");
    if (!parsed.output_dir.empty()) return render_many(parsed, options, temp_dir, logger);
    return render_one(parsed.files[0], parsed.files[1], options, temp_dir, logger);
  } catch (const Error& error) {
    logger.error("render failed", error_fields(error));
    return exit_code_for(error);
  } catch (const std::exception&) {
    // std::bad_alloc (65) and anything else (70), by the one mapping in exit_codes.
    const auto error = error_from(std::current_exception());
    logger.error("render failed", error_fields(error));
    return exit_code_for(error);
  }
}

}  // namespace txt2pdf
