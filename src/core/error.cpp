#include "txt2pdf/core/error.hpp"

namespace txt2pdf {

const char* to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kConfig: return "config";
    case ErrorKind::kBadInput: return "bad-input";
    case ErrorKind::kNotFound: return "not-found";
    case ErrorKind::kAccessDenied: return "access-denied";
    case ErrorKind::kTransient: return "transient";
    case ErrorKind::kVerifyMismatch: return "verify-mismatch";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kInternal: return "internal";
  }
  return "internal";
}

bool Error::retryable() const noexcept {
  switch (kind_) {
    case ErrorKind::kTransient:
    case ErrorKind::kVerifyMismatch:
    case ErrorKind::kCancelled:
      return true;
    default:
      return false;
  }
}

}  // namespace txt2pdf
