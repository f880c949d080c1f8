// The one error type of txt2pdf. Every failure, from a bad environment variable to a 503 from S3,
// travels as a txt2pdf::Error (thrown, caught at module boundaries and in main) and is turned into
// an exit code in exactly one place: exit_code_for() in exit_codes.hpp.
#pragma once

#include <stdexcept>
#include <string>

namespace txt2pdf {

enum class ErrorKind {
  kConfig,          // the environment or a command-line option is missing or malformed
  kBadInput,        // the object cannot be rendered: binary, too large, bad per-object option
  kNotFound,        // source object or bucket does not exist
  kAccessDenied,    // credentials missing, wrong or not allowed
  kTransient,       // network, 5xx, throttling, timeouts: worth retrying
  kVerifyMismatch,  // the uploaded PDF does not look like what was sent
  kCancelled,       // SIGTERM or another stop request arrived while working
  kInternal,        // a bug or an impossible state
};

[[nodiscard]] const char* to_string(ErrorKind kind) noexcept;

// How far a retry of a failed operation should reach.
enum class RetryScope {
  kNever,    // permanent: doing it again fails the same way (config, bad input, access, a bug)
  kRequest,  // the same request again, after a backoff, may succeed (5xx, throttling, a reset)
  kJob,      // this request cannot succeed, but running the whole job again may: the object changed
             // under us (412 PreconditionFailed), the PDF did not verify, a stop request arrived
};

[[nodiscard]] const char* to_string(RetryScope scope) noexcept;

// The scope an error of `kind` has unless told otherwise: kTransient -> kRequest; kVerifyMismatch
// and kCancelled -> kJob; every other kind -> kNever.
[[nodiscard]] RetryScope default_retry_scope(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind), retry_scope_(default_retry_scope(kind)) {}

  // Details of a failed AWS call. Returns *this so that it chains onto the constructor.
  Error& with_aws(int http_status, std::string aws_code, std::string request_id) {
    http_status_ = http_status;
    aws_code_ = std::move(aws_code);
    request_id_ = std::move(request_id);
    return *this;
  }

  // Overrides the kind's default scope (aws_errors' table does, e.g. 412 is kTransient but kJob).
  Error& with_retry_scope(RetryScope scope) noexcept {
    retry_scope_ = scope;
    return *this;
  }

  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }
  [[nodiscard]] RetryScope retry_scope() const noexcept { return retry_scope_; }
  [[nodiscard]] int http_status() const noexcept { return http_status_; }  // 0 when no HTTP reply
  [[nodiscard]] const std::string& aws_code() const noexcept { return aws_code_; }
  [[nodiscard]] const std::string& request_id() const noexcept { return request_id_; }

  // Whether doing the same thing again later (the request or the whole job) may succeed: a
  // retry_scope() other than kNever. Decided from the kind and the AWS code (aws_errors' table),
  // never from the message text. AwsClient repeats a request only for kRequest.
  [[nodiscard]] bool retryable() const noexcept { return retry_scope_ != RetryScope::kNever; }

 private:
  ErrorKind kind_;
  RetryScope retry_scope_;
  int http_status_ = 0;
  std::string aws_code_;
  std::string request_id_;
};

}  // namespace txt2pdf
