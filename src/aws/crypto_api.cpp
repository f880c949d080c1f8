#include "crypto_api.hpp"

#include "txt2pdf/core/dynamic_library.hpp"

namespace txt2pdf {

CryptoApi load_crypto_api(const std::string& library) {
  void* handle = open_library(library);
  CryptoApi api;
  resolve(handle, library, "EVP_sha256", api.sha256);
  resolve(handle, library, "EVP_md5", api.md5);
  resolve(handle, library, "EVP_Digest", api.digest);
  resolve(handle, library, "EVP_EncodeBlock", api.encode_block);
  resolve(handle, library, "HMAC", api.hmac);
  resolve(handle, library, "EVP_MD_CTX_new", api.md_ctx_new);
  resolve(handle, library, "EVP_MD_CTX_free", api.md_ctx_free);
  resolve(handle, library, "EVP_DigestInit_ex", api.digest_init);
  resolve(handle, library, "EVP_DigestUpdate", api.digest_update);
  resolve(handle, library, "EVP_DigestFinal_ex", api.digest_final);
  return api;
}

const CryptoApi& crypto_api() {
  static const CryptoApi api = load_crypto_api(kCryptoLibrary);
  return api;
}

}  // namespace txt2pdf
