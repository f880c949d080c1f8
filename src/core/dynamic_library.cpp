#include "txt2pdf/core/dynamic_library.hpp"

#include <dlfcn.h>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

// dlerror() is per thread in glibc and reports the last failure once; callers clear it first.
[[nodiscard]] std::string last_dl_error() {
  const char* text = dlerror();
  return text != nullptr ? text : "no detail from dlerror()";
}

}  // namespace

void* open_library(const std::string& library) {
  (void)dlerror();
  // RTLD_NOW: an incomplete library fails here, not in the middle of a request. RTLD_LOCAL: its
  // symbols (and those of its dependencies) stay out of the global namespace.
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw Error(ErrorKind::kInternal, "cannot load " + library + " (broken installation?): " + last_dl_error());
  }
  return handle;
}

void* resolve_symbol(void* handle, const std::string& library, const char* symbol) {
  (void)dlerror();
  void* address = dlsym(handle, symbol);
  if (address == nullptr) {
    throw Error(ErrorKind::kInternal,
                "symbol " + std::string(symbol) + " missing from " + library + ": " + last_dl_error());
  }
  return address;
}

}  // namespace txt2pdf
