#include "txt2pdf/dynamic_libraries.hpp"

#include <dlfcn.h>

#include "txt2pdf/error.hpp"

namespace txt2pdf {
namespace {

// dlerror() is per thread in glibc and reports the last failure once; callers clear it first.
[[nodiscard]] std::string last_dl_error() {
  const char* text = dlerror();
  return text != nullptr ? text : "no detail from dlerror()";
}

[[nodiscard]] void* open_library(const std::string& library) {
  (void)dlerror();
  // RTLD_NOW: an incomplete library fails here, not in the middle of a request. RTLD_LOCAL: its
  // symbols (and those of its dependencies) stay out of the global namespace.
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw Error(ErrorKind::kInternal, "cannot load " + library + " (broken installation?): " + last_dl_error());
  }
  return handle;
}

template <typename Function>
void resolve(void* handle, const std::string& library, const char* symbol, Function& function) {
  (void)dlerror();
  void* address = dlsym(handle, symbol);
  if (address == nullptr) {
    throw Error(ErrorKind::kInternal,
                "symbol " + std::string(symbol) + " missing from " + library + ": " + last_dl_error());
  }
  // POSIX requires a dlsym() address to convert to a function pointer; C++17 leaves the cast
  // conditionally-supported and every POSIX compiler supports it (g++ and clang do not warn).
  function = reinterpret_cast<Function>(address);
}

}  // namespace

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

CryptoApi load_crypto_api(const std::string& library) {
  void* handle = open_library(library);
  CryptoApi api;
  resolve(handle, library, "EVP_sha256", api.sha256);
  resolve(handle, library, "EVP_md5", api.md5);
  resolve(handle, library, "EVP_Digest", api.digest);
  resolve(handle, library, "EVP_EncodeBlock", api.encode_block);
  resolve(handle, library, "HMAC", api.hmac);
  return api;
}

FontconfigApi load_fontconfig_api(const std::string& library) {
  void* handle = open_library(library);
  FontconfigApi api;
  resolve(handle, library, "FcInitLoadConfigAndFonts", api.init_load_config_and_fonts);
  resolve(handle, library, "FcConfigDestroy", api.config_destroy);
  resolve(handle, library, "FcConfigSubstitute", api.config_substitute);
  resolve(handle, library, "FcDefaultSubstitute", api.default_substitute);
  resolve(handle, library, "FcNameParse", api.name_parse);
  resolve(handle, library, "FcFontMatch", api.font_match);
  resolve(handle, library, "FcFontSort", api.font_sort);
  resolve(handle, library, "FcFontSetDestroy", api.font_set_destroy);
  resolve(handle, library, "FcPatternDestroy", api.pattern_destroy);
  resolve(handle, library, "FcPatternGetString", api.pattern_get_string);
  resolve(handle, library, "FcPatternGetInteger", api.pattern_get_integer);
  resolve(handle, library, "FcPatternGetCharSet", api.pattern_get_char_set);
  resolve(handle, library, "FcCharSetHasChar", api.char_set_has_char);
  return api;
}

HarfBuzzSubsetApi load_harfbuzz_subset_api(const std::string& library) {
  void* handle = open_library(library);
  HarfBuzzSubsetApi api;
  resolve(handle, library, "hb_blob_create", api.blob_create);
  resolve(handle, library, "hb_blob_destroy", api.blob_destroy);
  resolve(handle, library, "hb_blob_get_data", api.blob_get_data);
  resolve(handle, library, "hb_face_create", api.face_create);
  resolve(handle, library, "hb_face_destroy", api.face_destroy);
  resolve(handle, library, "hb_face_reference_blob", api.face_reference_blob);
  resolve(handle, library, "hb_face_get_glyph_count", api.face_get_glyph_count);
  resolve(handle, library, "hb_set_add", api.set_add);
  resolve(handle, library, "hb_map_get", api.map_get);
  resolve(handle, library, "hb_subset_input_create_or_fail", api.subset_input_create_or_fail);
  resolve(handle, library, "hb_subset_input_destroy", api.subset_input_destroy);
  resolve(handle, library, "hb_subset_input_glyph_set", api.subset_input_glyph_set);
  resolve(handle, library, "hb_subset_input_unicode_set", api.subset_input_unicode_set);
  resolve(handle, library, "hb_subset_input_set_flags", api.subset_input_set_flags);
  resolve(handle, library, "hb_subset_input_set", api.subset_input_set);
  resolve(handle, library, "hb_subset_plan_create_or_fail", api.subset_plan_create_or_fail);
  resolve(handle, library, "hb_subset_plan_execute_or_fail", api.subset_plan_execute_or_fail);
  resolve(handle, library, "hb_subset_plan_old_to_new_glyph_mapping", api.subset_plan_old_to_new_glyph_mapping);
  resolve(handle, library, "hb_subset_plan_destroy", api.subset_plan_destroy);
  return api;
}

const CurlApi& curl_api() {
  static const CurlApi api = load_curl_api(kCurlLibrary);
  return api;
}

const CryptoApi& crypto_api() {
  static const CryptoApi api = load_crypto_api(kCryptoLibrary);
  return api;
}

const FontconfigApi& fontconfig_api() {
  static const FontconfigApi api = load_fontconfig_api(kFontconfigLibrary);
  return api;
}

const HarfBuzzSubsetApi& harfbuzz_subset_api() {
  static const HarfBuzzSubsetApi api = load_harfbuzz_subset_api(kHarfBuzzSubsetLibrary);
  return api;
}

}  // namespace txt2pdf
