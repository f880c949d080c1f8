// Process exit codes of txt2pdf-job (sysexits-style), the contract with schedulers: AWS Batch
// retryStrategy.evaluateOnExit, ECS, the dispatcher. The README's exit-code table and the deploy
// definitions are checked against kExitCodeTable by tests.
#pragma once

#include <array>
#include <exception>
#include <optional>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {

enum ExitCode : int {
  kExitOk = 0,
  kExitConfig = 64,        // EX_USAGE: configuration missing or malformed
  kExitBadInput = 65,      // EX_DATAERR: binary, too large, undecodable, bad per-object option
  kExitNotFound = 66,      // EX_NOINPUT: source object or bucket missing
  kExitInternal = 70,      // EX_SOFTWARE: a bug
  kExitTransient = 75,     // EX_TEMPFAIL: network, 5xx, throttling, verify mismatch, SIGTERM
  kExitAccessDenied = 77,  // EX_NOPERM: access denied or bad credentials
};

struct ExitCodeInfo {
  int code;
  const char* name;
  bool retry;  // whether a scheduler should run the job again
  const char* meaning;
};

inline constexpr std::array<ExitCodeInfo, 7> kExitCodeTable{{
    {kExitOk, "ok", false, "PDF written and verified (or already present for this source ETag)"},
    {kExitConfig, "config", false, "configuration missing or malformed; the message names the variable"},
    {kExitBadInput, "bad-input", false,
     "object cannot be rendered: binary, larger than MAX_INPUT_BYTES, bad x-amz-meta-txt2pdf-* option, or it "
     "needs more memory than the job is allowed"},
    {kExitNotFound, "not-found", false, "source object or bucket does not exist"},
    {kExitInternal, "internal", false, "unexpected internal error (a bug: please report it)"},
    {kExitTransient, "transient", true,
     "network error, 5xx, throttling, timeout, verification mismatch or SIGTERM: retry"},
    {kExitAccessDenied, "access-denied", false, "credentials missing or wrong, or access denied"},
}};

// The one mapping from errors to exit codes.
[[nodiscard]] int exit_code_for(ErrorKind kind) noexcept;
[[nodiscard]] inline int exit_code_for(const Error& error) noexcept { return exit_code_for(error.kind()); }
// For main's catch-all: txt2pdf::Error by kind; std::bad_alloc as bad input (65): the input needs
// more memory than the job is allowed, and running it again under the same limit fails the same
// way, so it must not loop through retries (the scheduler's own OOM kill, SIGKILL, is a different
// matter: Batch retries that); anything else as internal (70). Allocates nothing.
[[nodiscard]] int exit_code_for(const std::exception_ptr& error) noexcept;

// The same decision as an Error, for logging: a txt2pdf::Error as it is, std::bad_alloc as
// kBadInput with kOutOfMemoryMessage, another std::exception as kInternal with its what().
[[nodiscard]] Error error_from(const std::exception_ptr& error);
inline constexpr const char* kOutOfMemoryMessage =
    "the input needs more memory than this job is allowed (out of memory): give the job more memory, "
    "raise its limit, or split the input";

// The kind an exit code stands for (64 -> kConfig, 75 -> kTransient ...), for the dispatcher that
// sees only a job's exit code; nullopt for 0 and for codes outside the table (killed, 1, 137 ...).
[[nodiscard]] std::optional<ErrorKind> error_kind_for_exit_code(int code) noexcept;

}  // namespace txt2pdf
