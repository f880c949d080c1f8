// Libraries opened with dlopen on first use instead of being linked: libcurl and libcrypto (only
// S3/SQS/STS requests need them), fontconfig (only fallback fonts for text beyond DejaVu Sans
// Mono need it) and HarfBuzz's subsetter (only embedded TrueType fonts need it). Linked, they and their dependency closure (Debian's libcurl pulls librtmp,
// GnuTLS, Kerberos, LDAP, libssh2: some 30 libraries; fontconfig pulls freetype, expat, brotli)
// cost ~15 ms of every process start in the dynamic loader, which `txt2pdf-job render` of plain
// text never needs; the job and the dispatcher pay it on first use instead. The headers are
// still compiled against for types and constants, so the function tables below are typed from
// the libraries' own declarations.
//
// Only the I/O files that call these libraries (http.cpp, sigv4.cpp, s3.cpp, fonts.cpp,
// font_subset.cpp) include this header; it is the one public header that names curl, OpenSSL,
// fontconfig or HarfBuzz types.
#pragma once

#include <curl/curl.h>
#include <fontconfig/fontconfig.h>
#include <hb-subset.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>

#include <string>

namespace txt2pdf {

// The SONAMEs opened. The headers must describe the same ABI: libcurl has kept SONAME 4 from
// 7.16.0 through 8.x, OpenSSL names its SONAME in the header, fontconfig 2.x is SONAME 1.
inline constexpr const char* kCurlLibrary = "libcurl.so.4";
inline constexpr const char* kCryptoLibrary = "libcrypto.so.3";
inline constexpr const char* kFontconfigLibrary = "libfontconfig.so.1";
inline constexpr const char* kHarfBuzzSubsetLibrary = "libharfbuzz-subset.so.0";
static_assert(LIBCURL_VERSION_NUM >= 0x071000 && LIBCURL_VERSION_MAJOR <= 8,
              "curl.h is not from a libcurl with SONAME 4: change kCurlLibrary");
static_assert(OPENSSL_VERSION_MAJOR == 3 && OPENSSL_SHLIB_VERSION == 3,
              "OpenSSL headers are not from libcrypto.so.3: change kCryptoLibrary");
static_assert(FC_MAJOR == 2, "fontconfig.h is not from a fontconfig with SONAME 1: change kFontconfigLibrary");
// The subset plan functions are public since 4.1.0 (hb_subset_input_set since 2.9.0); SONAME 0
// throughout.
static_assert(HB_VERSION_ATLEAST(4, 1, 0), "HarfBuzz before 4.1.0 lacks the subset API used");

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

// The libcrypto functions txt2pdf calls (hashes for SigV4 and Content-MD5), named without the
// EVP_ prefix.
struct CryptoApi {
  decltype(&::EVP_sha256) sha256 = nullptr;
  decltype(&::EVP_md5) md5 = nullptr;
  decltype(&::EVP_Digest) digest = nullptr;
  decltype(&::EVP_EncodeBlock) encode_block = nullptr;
  decltype(&::HMAC) hmac = nullptr;
};

// The fontconfig functions txt2pdf calls (fonts.cpp), named as in fontconfig without the Fc.
struct FontconfigApi {
  decltype(&::FcInitLoadConfigAndFonts) init_load_config_and_fonts = nullptr;
  decltype(&::FcConfigDestroy) config_destroy = nullptr;
  decltype(&::FcConfigSubstitute) config_substitute = nullptr;
  decltype(&::FcDefaultSubstitute) default_substitute = nullptr;
  decltype(&::FcNameParse) name_parse = nullptr;
  decltype(&::FcFontMatch) font_match = nullptr;
  decltype(&::FcFontSort) font_sort = nullptr;
  decltype(&::FcFontSetDestroy) font_set_destroy = nullptr;
  decltype(&::FcPatternDestroy) pattern_destroy = nullptr;
  decltype(&::FcPatternGetString) pattern_get_string = nullptr;
  decltype(&::FcPatternGetInteger) pattern_get_integer = nullptr;
  decltype(&::FcPatternGetCharSet) pattern_get_char_set = nullptr;
  decltype(&::FcCharSetHasChar) char_set_has_char = nullptr;
};

// The HarfBuzz functions font_subset.cpp calls, named without the hb_ prefix. The blob, face and
// set functions live in libharfbuzz.so.0, which the subset library depends on: dlsym on its
// handle finds them there.
struct HarfBuzzSubsetApi {
  decltype(&::hb_blob_create) blob_create = nullptr;
  decltype(&::hb_blob_destroy) blob_destroy = nullptr;
  decltype(&::hb_blob_get_data) blob_get_data = nullptr;
  decltype(&::hb_face_create) face_create = nullptr;
  decltype(&::hb_face_destroy) face_destroy = nullptr;
  decltype(&::hb_face_reference_blob) face_reference_blob = nullptr;
  decltype(&::hb_face_get_glyph_count) face_get_glyph_count = nullptr;
  decltype(&::hb_set_add) set_add = nullptr;
  decltype(&::hb_map_get) map_get = nullptr;
  decltype(&::hb_subset_input_create_or_fail) subset_input_create_or_fail = nullptr;
  decltype(&::hb_subset_input_destroy) subset_input_destroy = nullptr;
  decltype(&::hb_subset_input_glyph_set) subset_input_glyph_set = nullptr;
  decltype(&::hb_subset_input_unicode_set) subset_input_unicode_set = nullptr;
  decltype(&::hb_subset_input_set_flags) subset_input_set_flags = nullptr;
  decltype(&::hb_subset_input_set) subset_input_set = nullptr;
  decltype(&::hb_subset_plan_create_or_fail) subset_plan_create_or_fail = nullptr;
  decltype(&::hb_subset_plan_execute_or_fail) subset_plan_execute_or_fail = nullptr;
  decltype(&::hb_subset_plan_old_to_new_glyph_mapping) subset_plan_old_to_new_glyph_mapping = nullptr;
  decltype(&::hb_subset_plan_destroy) subset_plan_destroy = nullptr;
};

// Open `library` (a SONAME the dynamic loader searches for, or a path) with RTLD_NOW | RTLD_LOCAL
// and resolve every function of the table. Throws Error(kInternal) naming the library or the
// symbol, with dlerror()'s text, when either is missing: the installation is broken, and neither a
// retry nor another input helps. The library is never closed: OpenSSL registers atexit handlers
// that must stay mapped until exit, and a second load of the same library only adds a reference.
[[nodiscard]] CurlApi load_curl_api(const std::string& library);
[[nodiscard]] CryptoApi load_crypto_api(const std::string& library);
[[nodiscard]] FontconfigApi load_fontconfig_api(const std::string& library);
[[nodiscard]] HarfBuzzSubsetApi load_harfbuzz_subset_api(const std::string& library);

// The process's tables, loaded from kCurlLibrary / kCryptoLibrary / kFontconfigLibrary /
// kHarfBuzzSubsetLibrary on the
// first call (thread-safe: concurrent first calls load once). A failed load throws as above, again
// on every later call.
[[nodiscard]] const CurlApi& curl_api();
[[nodiscard]] const CryptoApi& crypto_api();
[[nodiscard]] const FontconfigApi& fontconfig_api();
[[nodiscard]] const HarfBuzzSubsetApi& harfbuzz_subset_api();

}  // namespace txt2pdf
