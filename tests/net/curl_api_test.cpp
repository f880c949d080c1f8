// libcurl opened on first use: nothing loaded before, working functions after, one load for
// concurrent first calls, a library without curl's symbols refused by name.
#include "net/curl_api.hpp"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "txt2pdf/core/error.hpp"

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

// First in the file: ctest runs each test in its own process, and a plain run of the binary runs
// them in this order, so nothing has asked for the library yet. This test binary links like
// txt2pdf-job: if the library became a link dependency again, it would already be loaded.
TEST(CurlApiTest, NothingLoadedBeforeFirstUse) {
  EXPECT_FALSE(is_loaded(kCurlLibrary));
  (void)curl_api();
  EXPECT_TRUE(is_loaded(kCurlLibrary));
}

TEST(CurlApiTest, CurlFunctionsAreCallable) {
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

TEST(CurlApiTest, ConcurrentFirstUseLoadsOnce) {
  std::vector<const CurlApi*> seen(4, nullptr);
  std::vector<std::thread> threads;
  threads.reserve(seen.size());
  for (auto& slot : seen) threads.emplace_back([&slot] { slot = &curl_api(); });
  for (auto& thread : threads) thread.join();
  for (const CurlApi* api : seen) EXPECT_EQ(api, &curl_api());
  EXPECT_NE(curl_api().easy_perform, nullptr);
}

TEST(CurlApiTest, MissingSymbolIsAnInternalErrorNamingIt) {
  // libm is a real library without curl's functions.
  try {
    (void)load_curl_api("libm.so.6");
    FAIL() << "libm passed for libcurl";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInternal);
    EXPECT_THAT(error.what(), AllOf(HasSubstr("curl_global_init"), HasSubstr("libm.so.6")));
  }
}

}  // namespace
}  // namespace txt2pdf
