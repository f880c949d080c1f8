// Private to render/: libharu 2.3.0 as PdfDocument (pdf.cpp) uses it, past its public API: the
// document's, pages' and streams' fields (hpdf_doc.h, hpdf_pages.h, hpdf_streams.h: installed,
// but not its API), and the error plumbing. pdf.cpp was written against 2.3.0's layout, which
// later versions change (2.4 reorganised the page attributes): the build fails below on any other
// version rather than corrupt PDFs at run time.
#pragma once

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>
#include <hpdf_version.h>

static_assert(HPDF_MAJOR_VERSION == 2 && HPDF_MINOR_VERSION == 3 && HPDF_BUGFIX_VERSION == 0,
              "src/render/pdf.cpp reaches into libharu 2.3.0's private structures: check them "
              "against this libharu version before changing the version test");

namespace txt2pdf::libharu {

// What libharu's error handler reported first (it records and returns: never throws through C).
struct ErrorState {
  HPDF_STATUS code = HPDF_OK;
  HPDF_STATUS detail = 0;
};
void HPDF_STDCALL record_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) noexcept;

// Throws Error(kInternal) naming `what` and libharu's error when `ok` is false or libharu recorded
// an error.
void check(const ErrorState& error, bool ok, const char* what);
inline void check_status(const ErrorState& error, HPDF_STATUS status, const char* what) {
  check(error, status == HPDF_OK, what);
}

}  // namespace txt2pdf::libharu
