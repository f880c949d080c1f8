#include "curl_api.hpp"

#include "txt2pdf/core/dynamic_library.hpp"

namespace txt2pdf {

CurlApi load_curl_api(const std::string& library) {
  void* handle = open_library(library);
  CurlApi api;
  resolve(handle, library, "curl_global_init", api.global_init);
  resolve(handle, library, "curl_easy_init", api.easy_init);
  resolve(handle, library, "curl_easy_cleanup", api.easy_cleanup);
  resolve(handle, library, "curl_easy_reset", api.easy_reset);
  resolve(handle, library, "curl_easy_setopt", api.easy_setopt);
  resolve(handle, library, "curl_easy_getinfo", api.easy_getinfo);
  resolve(handle, library, "curl_easy_perform", api.easy_perform);
  resolve(handle, library, "curl_easy_strerror", api.easy_strerror);
  resolve(handle, library, "curl_slist_append", api.slist_append);
  resolve(handle, library, "curl_slist_free_all", api.slist_free_all);
  return api;
}

const CurlApi& curl_api() {
  static const CurlApi api = load_curl_api(kCurlLibrary);
  return api;
}

}  // namespace txt2pdf
