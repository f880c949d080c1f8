// libharu's error plumbing (see libharu_internals.hpp).
#include "libharu_internals.hpp"

#include <cstdio>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf::libharu {

// libharu calls this on every failure: record and return (never throw through C frames).
void HPDF_STDCALL record_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) noexcept {
  auto* state = static_cast<ErrorState*>(user);
  if (state->code == HPDF_OK) {
    state->code = code;
    state->detail = detail;
  }
}

void check(const ErrorState& error, bool ok, const char* what) {
  if (ok && error.code == HPDF_OK) return;
  char text[160];
  std::snprintf(text, sizeof text, "libharu failed in %s: error 0x%04X, detail %u", what,
                static_cast<unsigned>(error.code), static_cast<unsigned>(error.detail));
  throw Error(ErrorKind::kInternal, text);
}

}  // namespace txt2pdf::libharu
