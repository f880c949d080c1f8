// txt2pdf-job: converts one S3 text object to a verified PDF (environment in, exit code out), or
// renders locally with `txt2pdf-job render IN OUT`. The exit codes are documented in the README.
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/process_memory.hpp"
#include "txt2pdf/core/signals.hpp"
#include "txt2pdf/job/job.hpp"
#include "txt2pdf/job/manifest_job.hpp"
#include "txt2pdf/job/worker.hpp"
#include "txt2pdf/render/render.hpp"

#ifndef TXT2PDF_VERSION
#define TXT2PDF_VERSION "dev"
#endif

extern char** environ;

namespace {

constexpr const char* kUsage =
    "usage: txt2pdf-job                 convert s3://$SOURCE_BUCKET/$OBJECT_KEY to s3://$DEST_BUCKET/$DEST_KEY\n"
    "       MANIFEST_URI=s3://... txt2pdf-job   convert this child's slice of a manifest (README \"Backfill\")\n"
    "       txt2pdf-job render IN OUT [options]   render a local file (- for stdin/stdout)\n"
    "       txt2pdf-job worker              convert the objects requested on stdin (the dispatcher's pool)\n"
    "       txt2pdf-job render -o OUTDIR FILE...  render many files in parallel (render --help)\n"
    "       txt2pdf-job --version | --help\n"
    "Configuration and exit codes: see README.md.\n";

}  // namespace

int main(int argc, char** argv) {
  txt2pdf::prefer_huge_page_heap();
  try {
    // The first signal stops the transfers and waits of the job; a second one exits at once (75).
    const txt2pdf::StopSource stop;
    txt2pdf::install_stop_handlers(stop);
    const auto env = txt2pdf::environment_from(environ);
    if (argc >= 2 && std::strcmp(argv[1], "render") == 0) {
      // Human-readable on a terminal unless TXT2PDF_LOG_FORMAT says otherwise.
      const txt2pdf::Logger logger(txt2pdf::lookup(env, "TXT2PDF_LOG_FORMAT") || !::isatty(2)
                                       ? txt2pdf::log_format_or_json(env)
                                       : txt2pdf::LogFormat::kHuman);
      return txt2pdf::run_render_command(std::vector<std::string>(argv + 2, argv + argc), env, logger);
    }
    if (argc == 2 && std::strcmp(argv[1], "worker") == 0) return txt2pdf::run_worker_command(env, 0, 1, stop.token());
    if (argc >= 2 && std::strcmp(argv[1], "--version") == 0) {
      std::cout << "txt2pdf-job " << TXT2PDF_VERSION << "\n";
      return txt2pdf::kExitOk;
    }
    if (argc >= 2) {
      const bool help = std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0;
      (help ? std::cout : std::cerr) << kUsage;
      return help ? txt2pdf::kExitOk : txt2pdf::kExitConfig;
    }
    // Manifest mode (README "Backfill"): a slice of many objects instead of one.
    if (txt2pdf::lookup(env, "MANIFEST_URI")) return txt2pdf::run_manifest_command(env, stop.token());
    return txt2pdf::run_job_command(env, stop.token());
  } catch (...) {
    std::cerr << "txt2pdf-job: unexpected error\n";
    return txt2pdf::exit_code_for(std::current_exception());
  }
}
