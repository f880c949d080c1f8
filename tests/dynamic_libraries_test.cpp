// The lazy loader of libcurl, libcrypto and fontconfig: nothing is loaded before first use, the tables give
// working functions (checked against published digests), and a missing library or symbol is an
// Error that names it.
#include "txt2pdf/dynamic_libraries.hpp"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "txt2pdf/error.hpp"

namespace txt2pdf {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

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
// them in this order, so nothing has asked for the libraries yet. This test binary links like
// txt2pdf-job: if either library became a link dependency again, it would already be loaded.
TEST(DynamicLibrariesTest, NothingLoadedBeforeFirstUse) {
  EXPECT_FALSE(is_loaded(kCurlLibrary));
  EXPECT_FALSE(is_loaded(kCryptoLibrary));
  EXPECT_FALSE(is_loaded(kFontconfigLibrary));
  EXPECT_FALSE(is_loaded(kHarfBuzzSubsetLibrary));
  (void)curl_api();
  EXPECT_TRUE(is_loaded(kCurlLibrary));
  (void)crypto_api();
  EXPECT_TRUE(is_loaded(kCryptoLibrary));
  (void)fontconfig_api();
  EXPECT_TRUE(is_loaded(kFontconfigLibrary));
  (void)harfbuzz_subset_api();
  EXPECT_TRUE(is_loaded(kHarfBuzzSubsetLibrary));
}

TEST(DynamicLibrariesTest, CurlFunctionsAreCallable) {
  const CurlApi& curl = curl_api();
  EXPECT_STREQ(curl.easy_strerror(CURLE_OK), "No error");
  CURL* handle = curl.easy_init();
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(curl.easy_setopt(handle, CURLOPT_URL, "http://127.0.0.1/"), CURLE_OK);
  curl.easy_cleanup(handle);
  curl_slist* list = curl.slist_append(nullptr, "Name: value");
  ASSERT_NE(list, nullptr);
  EXPECT_STREQ(list->data, "Name: value");
  curl.slist_free_all(list);
}

TEST(DynamicLibrariesTest, CryptoFunctionsGivePublishedDigests) {
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

TEST(DynamicLibrariesTest, FontconfigFunctionsAreCallable) {
  const FontconfigApi& fc = fontconfig_api();
  FcPattern* pattern = fc.name_parse(reinterpret_cast<const FcChar8*>("DejaVu Sans Mono:style=Book"));
  ASSERT_NE(pattern, nullptr);
  FcChar8* family = nullptr;
  ASSERT_EQ(fc.pattern_get_string(pattern, FC_FAMILY, 0, &family), FcResultMatch);
  EXPECT_STREQ(reinterpret_cast<const char*>(family), "DejaVu Sans Mono");
  int index = -1;
  EXPECT_EQ(fc.pattern_get_integer(pattern, FC_INDEX, 0, &index), FcResultNoMatch);  // not in the name
  fc.pattern_destroy(pattern);
}

TEST(DynamicLibrariesTest, ConcurrentFirstUseLoadsOnce) {
  std::vector<const CurlApi*> seen(4, nullptr);
  std::vector<std::thread> threads;
  threads.reserve(seen.size());
  for (auto& slot : seen) threads.emplace_back([&slot] { slot = &curl_api(); });
  for (auto& thread : threads) thread.join();
  for (const CurlApi* api : seen) EXPECT_EQ(api, &curl_api());
  EXPECT_NE(curl_api().easy_perform, nullptr);
}

TEST(DynamicLibrariesTest, MissingLibraryIsAnInternalErrorNamingIt) {
  try {
    (void)load_curl_api("libtxt2pdf-no-such-library.so.9");
    FAIL() << "loading a library that does not exist succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInternal);
    // The name, and dlerror()'s reason after it.
    EXPECT_THAT(error.what(), AllOf(HasSubstr("cannot load libtxt2pdf-no-such-library.so.9"),
                                    HasSubstr("No such file or directory")));
  }
}

TEST(DynamicLibrariesTest, MissingSymbolIsAnInternalErrorNamingIt) {
  // libcrypto is a real library without curl's functions (and without libcurl among its
  // dependencies, which dlsym would search too).
  try {
    (void)load_curl_api(kCryptoLibrary);
    FAIL() << "libcrypto passed for libcurl";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInternal);
    EXPECT_THAT(error.what(), AllOf(HasSubstr("curl_global_init"), HasSubstr(kCryptoLibrary)));
  }
}

}  // namespace
}  // namespace txt2pdf
