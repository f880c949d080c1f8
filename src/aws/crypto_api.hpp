// libcrypto, opened on first use (see txt2pdf/core/dynamic_library.hpp). Private to aws/: SigV4 and
// Content-MD5 call it. OpenSSL names its SONAME in its header.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>

#include <string>

namespace txt2pdf {

inline constexpr const char* kCryptoLibrary = "libcrypto.so.3";
static_assert(OPENSSL_VERSION_MAJOR == 3 && OPENSSL_SHLIB_VERSION == 3,
              "OpenSSL headers are not from libcrypto.so.3: change kCryptoLibrary");

// The libcrypto functions txt2pdf calls (hashes for SigV4 and Content-MD5), named without the
// EVP_ prefix.
struct CryptoApi {
  decltype(&::EVP_sha256) sha256 = nullptr;
  decltype(&::EVP_md5) md5 = nullptr;
  decltype(&::EVP_Digest) digest = nullptr;
  decltype(&::EVP_EncodeBlock) encode_block = nullptr;
  decltype(&::HMAC) hmac = nullptr;
  // Incremental digests (Content-MD5 and SHA-256 of a file streamed to S3).
  decltype(&::EVP_MD_CTX_new) md_ctx_new = nullptr;
  decltype(&::EVP_MD_CTX_free) md_ctx_free = nullptr;
  decltype(&::EVP_DigestInit_ex) digest_init = nullptr;
  decltype(&::EVP_DigestUpdate) digest_update = nullptr;
  decltype(&::EVP_DigestFinal_ex) digest_final = nullptr;
};

// Opens `library` and resolves every function of the table; throws Error(kInternal) naming the
// library or the missing symbol.
[[nodiscard]] CryptoApi load_crypto_api(const std::string& library);

// The process's table, loaded from kCryptoLibrary on the first call (thread-safe: concurrent first calls
// load once). A failed load throws as above, again on every later call.
[[nodiscard]] const CryptoApi& crypto_api();

}  // namespace txt2pdf
