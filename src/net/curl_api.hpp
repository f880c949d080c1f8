// libcurl, opened on first use (see txt2pdf/core/dynamic_library.hpp). Private to net/: only http.cpp
// calls it. libcurl has kept SONAME 4 from 7.16.0 through 8.x.
#pragma once

#include <curl/curl.h>

#include <string>

namespace txt2pdf {

inline constexpr const char* kCurlLibrary = "libcurl.so.4";
static_assert(LIBCURL_VERSION_NUM >= 0x071000 && LIBCURL_VERSION_MAJOR <= 8,
              "curl.h is not from a libcurl with SONAME 4: change kCurlLibrary");

// The libcurl functions txt2pdf calls, named without the curl_ prefix.
struct CurlApi {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;  // variadic: see set_option in http.cpp
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

// Opens `library` and resolves every function of the table; throws Error(kInternal) naming the
// library or the missing symbol.
[[nodiscard]] CurlApi load_curl_api(const std::string& library);

// The process's table, loaded from kCurlLibrary on the first call (thread-safe: concurrent first calls
// load once). A failed load throws as above, again on every later call.
[[nodiscard]] const CurlApi& curl_api();

}  // namespace txt2pdf
