#include "txt2pdf/core/error.hpp"

namespace txt2pdf {

const char* to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kConfig:
      return "config";
    case ErrorKind::kBadInput:
      return "bad-input";
    case ErrorKind::kNotFound:
      return "not-found";
    case ErrorKind::kAccessDenied:
      return "access-denied";
    case ErrorKind::kTransient:
      return "transient";
    case ErrorKind::kVerifyMismatch:
      return "verify-mismatch";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

const char* to_string(RetryScope scope) noexcept {
  switch (scope) {
    case RetryScope::kNever:
      return "never";
    case RetryScope::kRequest:
      return "request";
    case RetryScope::kJob:
      return "job";
  }
  return "never";
}

RetryScope default_retry_scope(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kTransient:
      return RetryScope::kRequest;
    case ErrorKind::kVerifyMismatch:
    case ErrorKind::kCancelled:
      return RetryScope::kJob;
    default:
      return RetryScope::kNever;
  }
}

}  // namespace txt2pdf
