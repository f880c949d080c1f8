// ListObjectsV2: the query string, the ListBucketResult parser (url-encoded keys decoded exactly
// once) and the client's paging request over a scripted HttpClient.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "support/test_files.hpp"
#include "txt2pdf/aws/s3.hpp"

namespace txt2pdf {
namespace {

std::string data(const std::string& name) {
  return testing::read_test_file(std::string(TXT2PDF_TEST_DATA_DIR) + "/aws/" + name);
}

TEST(ListObjectsQuery, SortedEncodedAndWithUrlEncoding) {
  ListObjectsInput input;
  input.bucket = "b";
  input.prefix = "docs/a b+c";
  input.max_keys = 3;
  EXPECT_EQ(list_objects_query(input), "encoding-type=url&list-type=2&max-keys=3&prefix=docs%2Fa%20b%2Bc");
  input.start_after = "docs/x y";
  EXPECT_EQ(list_objects_query(input),
            "encoding-type=url&list-type=2&max-keys=3&prefix=docs%2Fa%20b%2Bc&start-after=docs%2Fx%20y");
  // A continuation token replaces start-after (S3 ignores start-after with a token).
  input.continuation_token = "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=";
  EXPECT_EQ(list_objects_query(input),
            "continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D&encoding-type=url&list-type=2&"
            "max-keys=3&prefix=docs%2Fa%20b%2Bc");
}

TEST(ListObjectsQuery, MaxKeysOutOfRangeIsABug) {
  ListObjectsInput input;
  input.max_keys = 0;
  EXPECT_THROW((void)list_objects_query(input), Error);
  input.max_keys = 1001;
  EXPECT_THROW((void)list_objects_query(input), Error);
}

TEST(ListObjectsResponse, UrlEncodedKeysDecodeOnce) {
  const auto page = parse_list_objects_response(data("s3-ListObjectsV2.page1-url-encoded.xml"));
  ASSERT_EQ(page.objects.size(), 3u);
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  EXPECT_EQ(page.objects[0].key, "docs/a file + plus.txt");
  EXPECT_EQ(page.objects[0].size, 2600u);
  EXPECT_EQ(page.objects[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
  EXPECT_EQ(page.objects[0].last_modified, "2026-01-02T03:04:05.000Z");
  EXPECT_EQ(page.objects[1].key,
            "docs/\xC3\x9C"
            "berblick%=&.txt");  // "%25" stays '%': decoded once
  EXPECT_EQ(page.objects[1].size, 0u);
  EXPECT_EQ(page.objects[2].key, "docs/line\nbreak\x01.txt");
  EXPECT_EQ(page.objects[2].size, 10485760u);
}

TEST(ListObjectsResponse, WithoutEncodingTypeKeysAreLiteral) {
  const auto page = parse_list_objects_response(data("s3-ListObjectsV2.last-page-raw.xml"));
  ASSERT_EQ(page.objects.size(), 1u);
  EXPECT_FALSE(page.truncated);
  EXPECT_EQ(page.objects[0].key, "a+b %2B.txt");
}

TEST(ListObjectsResponse, EmptyListingAndMalformedReplies) {
  const auto empty = parse_list_objects_response(
      "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>");
  EXPECT_TRUE(empty.objects.empty());
  EXPECT_FALSE(empty.truncated);
  for (const char* body :
       {"", "<Error><Code>x</Code></Error>", "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%zz</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>"}) {
    try {
      (void)parse_list_objects_response(body);
      ADD_FAILURE() << "no error for " << body;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kTransient) << body;
    }
  }
}

class ScriptedHttp : public HttpClient {
 public:
  HttpResponse send(const HttpRequest& request) override {
    requests.push_back(request);
    HttpResponse reply = replies.front();
    replies.pop_front();
    return reply;
  }
  std::vector<HttpRequest> requests;
  std::deque<HttpResponse> replies;
};

class FixedCredentials : public CredentialsProvider {
 public:
  Credentials get() override { return {"AKIDEXAMPLE", "secret", "", std::nullopt}; }
};

class FixedClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::from_time_t(1700000000);
  }
  bool sleep_for(std::chrono::milliseconds) override { return true; }
};

TEST(S3ClientList, GetsTheBucketWithTheQueryAndParsesThePage) {
  ScriptedHttp http;
  FixedCredentials credentials;
  FixedClock clock;
  AwsClient aws(http, credentials, clock);
  S3Config config;
  config.endpoint_url = "http://127.0.0.1:7480";
  S3Client s3(aws, config);
  HttpResponse ok;
  ok.status = 200;
  ok.body = data("s3-ListObjectsV2.page1-url-encoded.xml");
  http.replies.push_back(ok);
  ListObjectsInput input;
  input.bucket = "example-bucket";
  input.prefix = "docs/";
  input.max_keys = 3;
  const auto page = s3.list_objects(input);
  EXPECT_EQ(page.objects.size(), 3u);
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(http.requests[0].url,
            "http://127.0.0.1:7480/example-bucket/?encoding-type=url&list-type=2&max-keys=3&prefix=docs%2F");

  HttpResponse missing;
  missing.status = 404;
  missing.body = "<Error><Code>NoSuchBucket</Code><RequestId>r1</RequestId></Error>";
  http.replies.push_back(missing);
  try {
    (void)s3.list_objects(input);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kNotFound);
    EXPECT_EQ(error.aws_code(), "NoSuchBucket");
  }
}

}  // namespace
}  // namespace txt2pdf
