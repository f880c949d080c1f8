#include "txt2pdf/core/exit_codes.hpp"

#include <new>

namespace txt2pdf {

int exit_code_for(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kConfig:
      return kExitConfig;
    case ErrorKind::kBadInput:
      return kExitBadInput;
    case ErrorKind::kNotFound:
      return kExitNotFound;
    case ErrorKind::kAccessDenied:
      return kExitAccessDenied;
    case ErrorKind::kTransient:
    case ErrorKind::kVerifyMismatch:
    case ErrorKind::kCancelled:
      return kExitTransient;
    case ErrorKind::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

int exit_code_for(const std::exception_ptr& error) noexcept {
  try {
    if (error) std::rethrow_exception(error);
    return kExitOk;
  } catch (const Error& e) {
    return exit_code_for(e.kind());
  } catch (const std::bad_alloc&) {
    return kExitBadInput;  // see the header: the same input under the same limit fails again
  } catch (...) {
    return kExitInternal;
  }
}

Error error_from(const std::exception_ptr& error) {
  try {
    if (error) std::rethrow_exception(error);
    return Error(ErrorKind::kInternal, "no error");
  } catch (const Error& e) {
    return e;
  } catch (const std::bad_alloc&) {
    return Error(ErrorKind::kBadInput, kOutOfMemoryMessage);
  } catch (const std::exception& e) {
    return Error(ErrorKind::kInternal, e.what());
  } catch (...) {
    return Error(ErrorKind::kInternal, "unexpected error of an unknown type");
  }
}

std::optional<ErrorKind> error_kind_for_exit_code(int code) noexcept {
  switch (code) {
    case kExitConfig:
      return ErrorKind::kConfig;
    case kExitBadInput:
      return ErrorKind::kBadInput;
    case kExitNotFound:
      return ErrorKind::kNotFound;
    case kExitInternal:
      return ErrorKind::kInternal;
    case kExitTransient:
      return ErrorKind::kTransient;
    case kExitAccessDenied:
      return ErrorKind::kAccessDenied;
    default:
      return std::nullopt;
  }
}

}  // namespace txt2pdf
