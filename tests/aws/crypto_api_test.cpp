// libcrypto opened on first use: nothing loaded before, published digests after.
#include "aws/crypto_api.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

[[nodiscard]] bool is_loaded(const char* library) {
  // RTLD_NOLOAD only looks: it returns a handle when the library is already in the process.
  void* handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
  if (handle != nullptr) dlclose(handle);  // drops the reference RTLD_NOLOAD just took
  return handle != nullptr;
}

[[nodiscard]] std::string to_hex(const unsigned char* data, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4U];
    out += kDigits[data[i] & 0x0FU];
  }
  return out;
}

// First in the file: ctest runs each test in its own process, and a plain run of the binary runs
// them in this order, so nothing has asked for the library yet. This test binary links like
// txt2pdf-job: if the library became a link dependency again, it would already be loaded.
TEST(CryptoApiTest, NothingLoadedBeforeFirstUse) {
  EXPECT_FALSE(is_loaded(kCryptoLibrary));
  (void)crypto_api();
  EXPECT_TRUE(is_loaded(kCryptoLibrary));
}

TEST(CryptoApiTest, CryptoFunctionsGivePublishedDigests) {
  const CryptoApi& crypto = crypto_api();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // FIPS 180-2, appendix B.1.
  ASSERT_EQ(crypto.digest("abc", 3, digest, &size, crypto.sha256(), nullptr), 1);
  EXPECT_EQ(to_hex(digest, size), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 1321, appendix A.5.
  ASSERT_EQ(crypto.digest("", 0, digest, &size, crypto.md5(), nullptr), 1);
  EXPECT_EQ(to_hex(digest, size), "d41d8cd98f00b204e9800998ecf8427e");
  // RFC 4231, test case 2.
  const std::string data = "what do ya want for nothing?";
  ASSERT_NE(crypto.hmac(crypto.sha256(), "Jefe", 4, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                        digest, &size),
            nullptr);
  EXPECT_EQ(to_hex(digest, size), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4648, section 10.
  unsigned char encoded[16] = {};
  EXPECT_EQ(crypto.encode_block(encoded, reinterpret_cast<const unsigned char*>("foob"), 4), 8);
  EXPECT_STREQ(reinterpret_cast<const char*>(encoded), "Zm9vYg==");
}

}  // namespace
}  // namespace txt2pdf
