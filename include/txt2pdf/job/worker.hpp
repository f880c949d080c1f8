// `txt2pdf-job worker`: a long-lived conversion process for the dispatcher's worker pool
// (dispatch/launcher_worker.hpp). It reads one request per line on `in` and answers one result per
// line on `out` (JSON, UTF-8, '\n'-terminated), converting each object with convert_object() on
// ONE HTTP client (kept-alive connections, TLS sessions reused) and the credentials the dispatcher
// relays in each request (one provider for the whole pool). Logs go to stderr as the job's do.
//
// Request:  {"id": 7, "source_bucket": "...", "object_key": "...", "dest_bucket": "...",
//            "dest_key": "..." (optional), "credentials": {"access_key_id": "...",
//            "secret_access_key": "...", "session_token": "..." (optional), "expiration": unix s (optional)}}
// Result:   {"id": 7, "exit_code": 0, "verified": true, "skipped": false, "source_etag": "\"…\"",
//            "pdf_bytes": 1234, "pages": 1, "error_kind": "", "detail": ""}
// "verified" is true only on exit 0: this process HEADed the PDF after its PUT (or found it
// already converted) and its Content-Length and source-etag matched; the dispatcher need not HEAD
// it again. The worker exits 0 at end of input, after a stop signal, or after a failed write.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/job/job.hpp"

namespace txt2pdf {

struct WorkerRequest {
  long id = 0;
  std::string source_bucket;
  std::string object_key;
  std::string dest_bucket;
  std::string dest_key;  // empty: the job's default
  Credentials credentials;
};

struct WorkerResult {
  long id = 0;
  int exit_code = 0;
  bool verified = false;
  bool skipped = false;
  std::string source_etag;
  std::uint64_t pdf_bytes = 0;
  std::uint64_t pages = 0;
  std::string error_kind;
  std::string detail;
};

// Pure encoders/decoders of the protocol above (one line, without the '\n'). The decoders throw
// Error(kInternal) for a line that is not the documented shape.
[[nodiscard]] std::string encode_worker_request(const WorkerRequest& request);
[[nodiscard]] WorkerRequest decode_worker_request(std::string_view line);
[[nodiscard]] std::string encode_worker_result(const WorkerResult& result);
[[nodiscard]] WorkerResult decode_worker_result(std::string_view line);

// The worker loop on file descriptors `in` and `out`. `env` is the worker's environment (the
// dispatcher's: endpoints, TXT2PDF_*, MAX_INPUT_BYTES); each request's SOURCE_BUCKET, OBJECT_KEY,
// DEST_BUCKET and DEST_KEY are laid over it and parsed with parse_job_config(), so a worker
// converts exactly as txt2pdf-job would with that environment. TXT2PDF_WORKER_MEMORY_BYTES (set by
// the dispatcher) becomes this process's RLIMIT_AS. `stop` (a signal) ends the loop after the
// request in hand and aborts its transfers. Returns the process exit code.
[[nodiscard]] int run_worker_command(const Environment& env, int in, int out, const StopToken& stop = {});

}  // namespace txt2pdf
