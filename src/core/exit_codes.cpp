#include "txt2pdf/core/exit_codes.hpp"

#include <new>

namespace txt2pdf {

int exit_code_for(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kConfig: return kExitConfig;
    case ErrorKind::kBadInput: return kExitBadInput;
    case ErrorKind::kNotFound: return kExitNotFound;
    case ErrorKind::kAccessDenied: return kExitAccessDenied;
    case ErrorKind::kTransient:
    case ErrorKind::kVerifyMismatch:
    case ErrorKind::kCancelled:
      return kExitTransient;
    case ErrorKind::kInternal: return kExitInternal;
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
    // Out of memory is usually the container's limit: another attempt may get a larger one.
    return kExitTransient;
  } catch (...) {
    return kExitInternal;
  }
}

}  // namespace txt2pdf
