#include "txt2pdf/render/render.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <chrono>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/temp_file.hpp"
#include "txt2pdf/render/pdf.hpp"
#include "txt2pdf/render/render_writer.hpp"
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

// A temporary file beside `output_path` (in `temp_dir` for "-"), closed, with the mode a new
// file gets: mkstemp makes it 0600, and the renamed PDF should be 0666 less the umask. Reading the
// umask sets it, so set it back (renders are single-threaded).
std::unique_ptr<TempFile> staging_file(const std::string& output_path, const std::string& temp_dir) {
  std::string directory = temp_dir;
  std::string base = "txt2pdf";
  if (output_path != "-") {
    const auto slash = output_path.rfind('/');
    directory = slash == std::string::npos ? "." : output_path.substr(0, slash == 0 ? 1 : slash);
    base = output_path.substr(slash == std::string::npos ? 0 : slash + 1);
  }
  auto file = std::make_unique<TempFile>(directory, "." + base + ".", "");
  const mode_t umask_bits = ::umask(0);
  ::umask(umask_bits);
  ::fchmod(file->fd(), 0666 & ~umask_bits);
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

}  // namespace

RenderStats render_pdf(int input_fd, const std::string& output_path, const RenderOptions& options,
                       const std::string& temp_dir) {
  RenderStats stats;
  const auto geometry = PageGeometry::from(options);

  // The first 64 KB decide encoding, binary refusal and font mode before anything is drawn.
  // Uninitialized: zeroing 64 KB is 16 page faults, a tenth of a one-line render.
  static_assert(kReadSize >= kSniffBytes);
  const std::unique_ptr<char[]> buffer(new char[kReadSize]);
  const std::string_view bytes(buffer.get(), read_some(input_fd, buffer.get(), kSniffBytes));
  stats.input_bytes = bytes.size();
  const auto sniffed = sniff_encoding(bytes);
  stats.encoding = to_string(sniffed.encoding);
  TextDecoder decoder(sniffed.encoding);
  std::u32string text;
  bool last = bytes.size() < kSniffBytes;
  decoder.decode(bytes.substr(sniffed.bom_length), last, text);

  PdfDocument pdf;
  FontChain fonts(pdf, fits_windows_1252(text));
  PageWriter writer(pdf, fonts, options, geometry);
  Layout layout(geometry.layout(options), writer);
  for (;;) {
    for (const char32_t cp : text) stats.rtl_characters += cp >= 0x590 && is_right_to_left(cp) ? 1 : 0;
    layout.feed(text);
    text.clear();
    if (last) break;
    const auto got = read_some(input_fd, buffer.get(), kReadSize);
    stats.input_bytes += got;
    last = got < kReadSize;
    decoder.decode(std::string_view(buffer.get(), got), last, text);
  }
  layout.finish();
  writer.finish();

  stats.pages = pdf.page_count();
  stats.lines = layout.source_lines();
  stats.rows = layout.rows();
  stats.replaced_invalid = decoder.replaced();
  stats.missing_glyphs = fonts.missing();
  stats.fonts = fonts.font_names();

  PdfInfo info;
  info.title = options.title.empty() ? options.header_text : options.title;
  info.subject = options.subject;
  info.keywords = options.keywords;
  info.producer = "txt2pdf " TXT2PDF_VERSION " (libharu)";
  info.creation_date = options.creation_date;
  info.missing_glyphs = std::to_string(stats.missing_glyphs);
  pdf.set_info(info);
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
          {"replaced_invalid", stats.replaced_invalid},
          {"missing_glyphs", stats.missing_glyphs},
          {"rtl_characters", stats.rtl_characters},
          {"fonts", stats.fonts}};
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
      "usage: txt2pdf-job render IN OUT [options]   (IN and OUT may be -)\n"
      "options (also TXT2PDF_<NAME> environment variables; flags win):\n";
  for (const auto& doc : option_docs()) {
    std::string flag = std::string("  --") + doc.name + (std::string(doc.values) == "true/false" ? "" : " VALUE");
    flag.resize(std::max<std::size_t>(flag.size() + 1, 24), ' ');
    text += flag + doc.meaning + " (" + doc.values + ")\n";
  }
  return text + "  boolean options also take --no-NAME and --NAME=false\n";
}

// Parses the words after "render" into IN, OUT and options on top of `options`.
void parse_render_args(const std::vector<std::string>& args, RenderOptions& options, std::vector<std::string>& files) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
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
  if (files.size() != 2) {
    throw Error(ErrorKind::kConfig, "render needs exactly two arguments, IN and OUT (got " +
                                        std::to_string(files.size()) + "); see --help");
  }
}

int open_input(const std::string& path) {
  if (path == "-") return 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) return fd;
  const auto kind = errno == EACCES ? ErrorKind::kAccessDenied : ErrorKind::kNotFound;
  throw Error(kind, "cannot open input " + path + ": " + std::strerror(errno));
}

}  // namespace

int run_render_command(const std::vector<std::string>& args, const Environment& env, const Logger& logger) {
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      const auto text = usage();
      write_all(1, text, "the usage to stdout");
      return kExitOk;
    }
  }
  const auto started = std::chrono::steady_clock::now();
  try {
    RenderOptions options;
    apply_environment(options, env);
    std::vector<std::string> files;
    parse_render_args(args, options, files);
    if (options.header_text.empty()) {
      options.header_text = files[0] == "-" ? std::string("stdin") : files[0].substr(files[0].rfind('/') + 1);
    }
    set_render_time(options, std::chrono::system_clock::now());
    const int fd = open_input(files[0]);
    RenderStats stats;
    try {
      stats = render_pdf(fd, files[1], options, lookup(env, "TMPDIR").value_or("/tmp"));
    } catch (...) {
      if (fd != 0) ::close(fd);
      throw;
    }
    if (fd != 0) ::close(fd);
    auto fields = stats_fields(stats);
    fields["input"] = files[0];
    fields["output"] = files[1];
    fields["duration_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (stats.rtl_characters > 0) {
      logger.warn("right-to-left text drawn in logical order (no bidi reordering)", fields);
    }
    if (stats.missing_glyphs > 0 || stats.replaced_invalid > 0) {
      logger.warn("characters replaced by U+FFFD", fields);
    }
    logger.info("rendered", fields);
    return kExitOk;
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
