// presign_get_object against the S3 documentation's presigned GET (../shared/conformance/sigv4/
// s3-examples.json): the same bucket, key, time, credentials and expiry must give the published URL.
#include "txt2pdf/aws/s3_presign.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/test_files.hpp"
#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(TXT2PDF_CONFORMANCE_DIR) / "sigv4" / "s3-examples.json";

std::chrono::system_clock::time_point at(int year, int month, int day) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

nlohmann::json presigned_example(const nlohmann::json& all) {
  for (const auto& example : all["examples"]) {
    if (example["auth"] == "query") return example;
  }
  return nullptr;
}

TEST(PresignGetObject, MatchesTheS3DocumentationExample) {
  const auto all = nlohmann::json::parse(testing::read_test_file(kExamples.string()));
  const auto example = presigned_example(all);
  ASSERT_FALSE(example.is_null());
  ASSERT_EQ(all["amz_date"], "20130524T000000Z");  // the time below
  // The example's host is examplebucket.s3.amazonaws.com: the global endpoint, virtual-hosted.
  ASSERT_EQ(all["host"], "examplebucket.s3.amazonaws.com");
  S3Config config;
  config.endpoint_url = "https://s3.amazonaws.com";
  const Credentials credentials{all["credentials"]["access_key_id"], all["credentials"]["secret_access_key"], "",
                                std::nullopt};
  const std::string key = example["path"].get<std::string>().substr(1);
  const auto url = presign_get_object(config, all["region"], "examplebucket", key, credentials, at(2013, 5, 24),
                                      std::chrono::hours(24));
  EXPECT_EQ(url, example["presigned_url"]);
}

TEST(PresignGetObject, PathStyleForALocalEndpointAndTheTokenInTheUrl) {
  S3Config config;
  config.endpoint_url = "http://127.0.0.1:7480";
  const Credentials credentials{"AKID", "secret", "token/with+slash", std::nullopt};
  const auto url = presign_get_object(config, "us-east-1", "out", "dir/a b+c.pdf", credentials, at(2024, 1, 2),
                                      std::chrono::seconds(300));
  EXPECT_EQ(url.rfind("http://127.0.0.1:7480/out/dir/a%20b%2Bc.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&", 0), 0U) << url;
  EXPECT_NE(url.find("&X-Amz-Expires=300&"), std::string::npos) << url;
  EXPECT_NE(url.find("&X-Amz-SignedHeaders=host&"), std::string::npos) << url;
  EXPECT_NE(url.find("&X-Amz-Security-Token=token%2Fwith%2Bslash&"), std::string::npos) << url;
  EXPECT_NE(url.find("&X-Amz-Signature="), std::string::npos) << url;
}

TEST(PresignGetObject, RefusesExpiriesOutsideS3Limits) {
  const Credentials credentials{"AKID", "secret", "", std::nullopt};
  EXPECT_THROW(
      (void)presign_get_object({}, "us-east-1", "b", "k", credentials, at(2024, 1, 1), std::chrono::seconds(0)), Error);
  EXPECT_THROW(
      (void)presign_get_object({}, "us-east-1", "b", "k", credentials, at(2024, 1, 1), std::chrono::seconds(604801)),
      Error);
}

}  // namespace
}  // namespace txt2pdf
