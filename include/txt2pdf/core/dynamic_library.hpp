// Shared libraries opened with dlopen on first use instead of being linked. libcurl, libcrypto,
// fontconfig and HarfBuzz's subsetter (and their dependency closures: Debian's libcurl alone pulls
// in some 30 libraries) cost ~15 ms of every process start in the dynamic loader, which
// `txt2pdf-job render` of plain text never needs. Each module that uses one of them keeps its
// typed function table in a private header beside its sources (src/net/curl_api.hpp,
// src/aws/crypto_api.hpp, src/render/fontconfig_api.hpp, src/render/harfbuzz_api.hpp), so no public
// header names a C library's declarations; this header is the loader they share.
#pragma once

#include <string>

namespace txt2pdf {

// Opens `library` (a SONAME the dynamic loader searches for, or a path) with RTLD_NOW | RTLD_LOCAL.
// Throws Error(kInternal) naming the library, with dlerror()'s text, when it cannot be loaded: the
// installation is broken, and neither a retry nor another input helps. The library is never closed:
// OpenSSL registers atexit handlers that must stay mapped until exit, and a second load of the same
// library only adds a reference.
[[nodiscard]] void* open_library(const std::string& library);

// The address of `symbol` in a handle from open_library. Throws Error(kInternal) naming the symbol
// and the library when it is missing.
[[nodiscard]] void* resolve_symbol(void* handle, const std::string& library, const char* symbol);

// resolve_symbol, typed: sets `function` to the symbol's address.
template <typename Function>
void resolve(void* handle, const std::string& library, const char* symbol, Function& function) {
  // POSIX requires a dlsym() address to convert to a function pointer; C++17 leaves the cast
  // conditionally-supported and every POSIX compiler supports it (g++ and clang do not warn).
  function = reinterpret_cast<Function>(resolve_symbol(handle, library, symbol));
}

}  // namespace txt2pdf
