// Libraries opened with dlopen on first use instead of being linked: libcurl and libcrypto (only
// S3/SQS/STS requests need them) and fontconfig (only fallback fonts for text beyond DejaVu Sans
// Mono need it). Linked, they and their dependency closure (Debian's libcurl pulls librtmp,
// GnuTLS, Kerberos, LDAP, libssh2: some 30 libraries; fontconfig pulls freetype, expat, brotli)
// cost ~15 ms of every process start in the dynamic loader, which `txt2pdf-job render` of plain
// text never needs; the job and the dispatcher pay it on first use instead. The headers are
// still compiled against for types and constants, so the function tables below are typed from
// the libraries' own declarations.
//
// Only the I/O files that call these libraries (http.cpp, sigv4.cpp, s3.cpp, fonts.cpp) include
// this header; it is the one public header that names curl, OpenSSL or fontconfig types.
#pragma once

#include <curl/curl.h>
#include <fontconfig/fontconfig.h>
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
static_assert(LIBCURL_VERSION_NUM >= 0x071000 && LIBCURL_VERSION_MAJOR <= 8,
              "curl.h is not from a libcurl with SONAME 4: change kCurlLibrary");
static_assert(OPENSSL_VERSION_MAJOR == 3 && OPENSSL_SHLIB_VERSION == 3,
              "OpenSSL headers are not from libcrypto.so.3: change kCryptoLibrary");
static_assert(FC_MAJOR == 2, "fontconfig.h is not from a fontconfig with SONAME 1: change kFontconfigLibrary");

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

// Open `library` (a SONAME the dynamic loader searches for, or a path) with RTLD_NOW | RTLD_LOCAL
// and resolve every function of the table. Throws Error(kInternal) naming the library or the
// symbol, with dlerror()'s text, when either is missing: the installation is broken, and neither a
// retry nor another input helps. The library is never closed: OpenSSL registers atexit handlers
// that must stay mapped until exit, and a second load of the same library only adds a reference.
[[nodiscard]] CurlApi load_curl_api(const std::string& library);
[[nodiscard]] CryptoApi load_crypto_api(const std::string& library);
[[nodiscard]] FontconfigApi load_fontconfig_api(const std::string& library);

// The process's tables, loaded from kCurlLibrary / kCryptoLibrary / kFontconfigLibrary on the
// first call (thread-safe: concurrent first calls load once). A failed load throws as above, again
// on every later call.
[[nodiscard]] const CurlApi& curl_api();
[[nodiscard]] const CryptoApi& crypto_api();
[[nodiscard]] const FontconfigApi& fontconfig_api();

}  // namespace txt2pdf
