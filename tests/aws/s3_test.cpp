// S3 client: error replies from ../shared/conformance/s3-errors/, URLs and key encoding, the PUT
// request, and the client's flows (404 on HEAD, streaming GET, wrong-region retry) over a scripted
// HttpClient.
#include "txt2pdf/aws/s3.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_files.hpp"

namespace txt2pdf {
namespace {

using std::chrono::milliseconds;

std::string read_file(const std::string& path) { return testing::read_test_file(path); }

const std::string kErrorsDir = std::string(TXT2PDF_CONFORMANCE_DIR) + "/s3-errors/";

HttpResponse response_from_case(const nlohmann::json& entry) {
  HttpResponse response;
  response.status = entry["http_status"];
  for (const auto& [name, value] : entry["headers"].items()) {
    std::string lowered = name;
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers.emplace_back(lowered, value.get<std::string>());
  }
  if (entry.contains("body_file") && entry["body_file"].is_string()) {
    response.body = read_file(kErrorsDir + entry["body_file"].get<std::string>());
  }
  return response;
}

// --- Error replies -------------------------------------------------------------------------------

TEST(S3Errors, EveryConformanceCaseParsesToItsKindCodeAndRequestId) {
  const std::map<std::string, ErrorKind> expected{
      {"NoSuchKey", ErrorKind::kNotFound},
      {"NoSuchKey-HEAD", ErrorKind::kNotFound},
      {"NoSuchBucket", ErrorKind::kNotFound},
      {"AccessDenied", ErrorKind::kAccessDenied},
      {"SignatureDoesNotMatch", ErrorKind::kAccessDenied},
      {"RequestTimeTooSkewed", ErrorKind::kTransient},
      {"PermanentRedirect", ErrorKind::kConfig},
      {"AuthorizationHeaderMalformed", ErrorKind::kConfig},
      {"SlowDown", ErrorKind::kTransient},
      {"InternalError", ErrorKind::kTransient},
      {"RequestTimeout", ErrorKind::kTransient},
      {"EntityTooLarge", ErrorKind::kBadInput},
  };
  const auto index = nlohmann::json::parse(read_file(kErrorsDir + "index.json"));
  ASSERT_EQ(index["cases"].size(), expected.size()) << "a conformance case has no expectation here";
  for (const auto& entry : index["cases"]) {
    const std::string name = entry["name"];
    SCOPED_TRACE(name);
    ASSERT_EQ(expected.count(name), 1U);
    const HttpResponse response = response_from_case(entry);
    const Error error = parse_s3_error(response);
    EXPECT_EQ(error.kind(), expected.at(name));
    EXPECT_EQ(error.http_status(), response.status);
    EXPECT_EQ(error.aws_code(), entry["botocore_parsed_error"]["Code"]);
    EXPECT_EQ(error.request_id(), entry["headers"]["x-amz-request-id"]);
    const std::string message = entry["botocore_parsed_error"]["Message"];
    if (!response.body.empty()) {
      EXPECT_NE(std::string(error.what()).find(message), std::string::npos) << error.what();
    }
  }
}

TEST(S3Errors, RetryableExactlyAsTheSdksRetry) {
  const auto index = nlohmann::json::parse(read_file(kErrorsDir + "index.json"));
  for (const auto& entry : index["cases"]) {
    const std::string name = entry["name"];
    const bool retryable =
        name == "InternalError" || name == "SlowDown" || name == "RequestTimeout" || name == "RequestTimeTooSkewed";
    EXPECT_EQ(parse_s3_error(response_from_case(entry)).retryable(), retryable) << name;
  }
}

TEST(S3Errors, WrongRegionRepliesNameTheRegion) {
  const auto index = nlohmann::json::parse(read_file(kErrorsDir + "index.json"));
  for (const auto& entry : index["cases"]) {
    const std::string name = entry["name"];
    HttpResponse response = response_from_case(entry);
    if (name == "PermanentRedirect" || name == "AuthorizationHeaderMalformed") {
      EXPECT_EQ(redirect_region(response), "eu-central-1") << name;
    } else {
      EXPECT_EQ(redirect_region(response), std::nullopt) << name;
    }
  }
}

TEST(S3Errors, RegionElementServesWhenTheHeaderIsMissing) {
  HttpResponse response;
  response.status = 400;
  response.body = read_file(kErrorsDir + "AuthorizationHeaderMalformed.xml");
  EXPECT_EQ(redirect_region(response), "eu-central-1");
  // A bodiless 301 to HEAD has only the header.
  HttpResponse head;
  head.status = 301;
  EXPECT_EQ(redirect_region(head), std::nullopt);
  head.headers.emplace_back("x-amz-bucket-region", "ap-south-1");
  EXPECT_EQ(redirect_region(head), "ap-south-1");
}

TEST(S3Errors, BodilessAndForeignRepliesFallBackToTheStatus) {
  const auto kind_of = [](int status, const std::string& body) {
    HttpResponse response;
    response.status = status;
    response.body = body;
    return parse_s3_error(response).kind();
  };
  EXPECT_EQ(kind_of(403, ""), ErrorKind::kAccessDenied);
  EXPECT_EQ(kind_of(412, ""), ErrorKind::kTransient);
  EXPECT_EQ(kind_of(503, ""), ErrorKind::kTransient);
  EXPECT_EQ(kind_of(502, "<html><body>Bad Gateway</body></html>"), ErrorKind::kTransient);
  // An unknown 4xx is config for every service (aws_errors.hpp says why); it was internal here.
  EXPECT_EQ(kind_of(400, "not xml at all <"), ErrorKind::kConfig);
  EXPECT_EQ(kind_of(301, ""), ErrorKind::kConfig);
  // radosgw sends an empty <Message>.
  HttpResponse rgw;
  rgw.status = 404;
  rgw.body =
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message></Message><RequestId>tx1</RequestId></Error>";
  const Error error = parse_s3_error(rgw);
  EXPECT_EQ(error.aws_code(), "NoSuchKey");
  EXPECT_EQ(error.request_id(), "tx1");
  EXPECT_STREQ(error.what(), "NoSuchKey (HTTP 404)");
}

TEST(S3Errors, KindTableCoversTheDocumentedCodes) {
  EXPECT_EQ(s3_error_kind(400, "ExpiredToken"), ErrorKind::kAccessDenied);
  EXPECT_EQ(s3_error_kind(403, "InvalidAccessKeyId"), ErrorKind::kAccessDenied);
  EXPECT_EQ(s3_error_kind(412, "PreconditionFailed"), ErrorKind::kTransient);
  EXPECT_EQ(s3_error_kind(400, "BadDigest"), ErrorKind::kTransient);
  EXPECT_EQ(s3_error_kind(400, "KMS.NotFoundException"), ErrorKind::kConfig);
  EXPECT_EQ(s3_error_kind(400, "InvalidRequest"), ErrorKind::kConfig);
  EXPECT_EQ(s3_error_kind(403, "InvalidObjectState"), ErrorKind::kBadInput);
  EXPECT_EQ(s3_error_kind(400, "MalformedXML"), ErrorKind::kInternal);
}

TEST(ObjectInfoFrom, ReadsTheHeadObjectSample) {
  const auto sample = nlohmann::json::parse(read_file(kErrorsDir + "head-object-200.json"));
  const ObjectInfo info = object_info_from(response_from_case(sample));
  EXPECT_EQ(info.size, 434234U);
  EXPECT_EQ(info.etag, "\"fba9dede5f27731c9771645a39863328\"");
  EXPECT_EQ(info.content_type, "application/pdf");
  EXPECT_EQ(info.request_id, "318BC8BC143432E5");
  const std::map<std::string, std::string> metadata{{"source-bucket", "txt2pdf-in"},
                                                    {"source-key", "invoices/2024/inv-0001.txt"},
                                                    {"source-etag", "3858f62230ac3c915f300c664312c11f-2"}};
  EXPECT_EQ(info.metadata, metadata);
}

// --- URLs and keys -------------------------------------------------------------------------------

TEST(EncodeKey, TakesKeysLiterally) {
  EXPECT_EQ(encode_key("a b/c+d%e=f/\xC3\xBC//x?#~-._"), "a%20b/c%2Bd%25e%3Df/%C3%BC//x%3F%23~-._");
  EXPECT_EQ(encode_key("/leading"), "/leading");
  EXPECT_EQ(encode_key("%20"), "%2520") << "an encoded-looking key is not decoded";
  EXPECT_EQ(encode_key("A-Z_a-z.0-9~"), "A-Z_a-z.0-9~");
}

TEST(VirtualHostBucket, FollowsTheDnsRules) {
  EXPECT_TRUE(is_virtual_host_bucket("my-bucket-1", true));
  EXPECT_TRUE(is_virtual_host_bucket("abc", true));
  EXPECT_TRUE(is_virtual_host_bucket("my.bucket", false));
  EXPECT_FALSE(is_virtual_host_bucket("my.bucket", true)) << "the TLS wildcard covers one label";
  EXPECT_FALSE(is_virtual_host_bucket("ab", false));
  EXPECT_FALSE(is_virtual_host_bucket(std::string(64, 'a'), false));
  EXPECT_FALSE(is_virtual_host_bucket("MyBucket", false));
  EXPECT_FALSE(is_virtual_host_bucket("my_bucket", false));
  EXPECT_FALSE(is_virtual_host_bucket("-bucket", false));
  EXPECT_FALSE(is_virtual_host_bucket("bucket-", false));
  EXPECT_FALSE(is_virtual_host_bucket("my..bucket", false));
  EXPECT_FALSE(is_virtual_host_bucket("192.168.1.1", false));
}

TEST(ObjectUrl, ChoosesVirtualHostedOrPathStyle) {
  const S3Config aws{"eu-west-1", "", false};
  EXPECT_EQ(object_url(aws, "eu-west-1", "my-bucket", "a b/\xC3\xBC//x"),
            "https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b/%C3%BC//x");
  EXPECT_EQ(object_url(aws, "ap-south-1", "my-bucket", "k"), "https://my-bucket.s3.ap-south-1.amazonaws.com/k");
  EXPECT_EQ(object_url(aws, "eu-west-1", "my.bucket", "k"), "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
  EXPECT_EQ(object_url(aws, "eu-west-1", "Legacy_Bucket", "k"), "https://s3.eu-west-1.amazonaws.com/Legacy_Bucket/k");
  EXPECT_EQ(object_url(S3Config{"eu-west-1", "", true}, "eu-west-1", "my-bucket", "k"),
            "https://s3.eu-west-1.amazonaws.com/my-bucket/k");

  const S3Config rgw{"us-east-1", "http://127.0.0.1:7480", false};
  EXPECT_EQ(object_url(rgw, "eu-west-1", "bucket", "dir/file 1.txt"), "http://127.0.0.1:7480/bucket/dir/file%201.txt")
      << "a custom endpoint ignores the region";
  EXPECT_EQ(object_url(S3Config{"us-east-1", "http://localhost:9000/", false}, "us-east-1", "bucket", "k"),
            "http://localhost:9000/bucket/k");
  EXPECT_EQ(object_url(S3Config{"us-east-1", "http://[::1]:9000", false}, "us-east-1", "bucket", "k"),
            "http://[::1]:9000/bucket/k");
  EXPECT_EQ(object_url(S3Config{"us-east-1", "http://minio.internal:9000", false}, "us-east-1", "my.bucket", "k"),
            "http://my.bucket.minio.internal:9000/k");
  EXPECT_EQ(object_url(S3Config{"us-east-1", "https://gw.example/s3/", true}, "us-east-1", "bucket", "k"),
            "https://gw.example/s3/bucket/k");
}

TEST(ObjectUrl, MalformedEndpointIsAConfigError) {
  for (const char* endpoint : {"127.0.0.1:7480", "ftp://host", "http://", "http://host?x=1"}) {
    try {
      (void)object_url(S3Config{"us-east-1", endpoint, false}, "us-east-1", "bucket", "k");
      ADD_FAILURE() << endpoint;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kConfig) << endpoint;
      EXPECT_NE(std::string(e.what()).find(endpoint), std::string::npos) << e.what();
    }
  }
}

TEST(Metadata, NonAsciiValuesArePercentEncoded) {
  EXPECT_EQ(encode_metadata_value("plain 100% ascii"), "plain 100% ascii");
  EXPECT_EQ(encode_metadata_value("r\xC3\xA9sum\xC3\xA9 100%.txt"), "r%C3%A9sum%C3%A9 100%25.txt");
  EXPECT_EQ(encode_metadata_value("line\r\nInjected: x"), "line%0D%0AInjected: x");
}

TEST(ContentMd5, IsBase64OfTheDigest) {
  EXPECT_EQ(content_md5(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(content_md5("hello"), "XUFAKrxLKna5cZ2REBfFkg==");
}

// --- The client over a scripted transport ----------------------------------------------------------

class ScriptedHttp final : public HttpClient {
 public:
  std::deque<HttpResponse> script;
  std::vector<HttpRequest> sent;
  HttpResponse send(const HttpRequest& request) override {
    sent.push_back(request);
    if (script.empty()) throw std::logic_error("script exhausted");
    HttpResponse response = script.front();
    script.pop_front();
    if (request.body_sink && response.status >= 200 && response.status < 300) {
      // Deliver the body in 3-byte pieces, as a network would in several reads.
      for (std::size_t i = 0; i < response.body.size(); i += 3) request.body_sink(response.body.substr(i, 3));
      response.body.clear();
    }
    return response;
  }
};

class StaticCredentials final : public CredentialsProvider {
 public:
  Credentials get() override { return Credentials{"AKIDEXAMPLE", "secret", "", std::nullopt}; }
};

class NoSleepClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1672531200));
  }
  bool sleep_for(milliseconds) override { return true; }
};

HttpResponse reply(int status, Headers headers = {}, std::string body = "") {
  HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

class S3ClientTest : public ::testing::Test {
 protected:
  S3Client make_client(S3Config config = {}) { return S3Client(aws_, std::move(config)); }
  std::string authorization(std::size_t i) const { return *find_header(http_.sent.at(i).headers, "authorization"); }

  ScriptedHttp http_;
  StaticCredentials credentials_;
  NoSleepClock clock_;
  AwsClient aws_{http_, credentials_, clock_};
};

TEST_F(S3ClientTest, HeadObjectReturnsInfoOrNulloptOn404) {
  S3Client s3 = make_client();
  http_.script = {reply(200, {{"content-length", "12"}, {"etag", "\"e\""}, {"x-amz-meta-source-etag", "\"s\""}}),
                  reply(404, {{"x-amz-request-id", "R404"}})};
  const auto info = s3.head_object("bucket", "dir/a b.txt");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 12U);
  EXPECT_EQ(info->metadata.at("source-etag"), "\"s\"");
  EXPECT_EQ(http_.sent[0].method, "HEAD");
  EXPECT_EQ(http_.sent[0].url, "https://bucket.s3.us-east-1.amazonaws.com/dir/a%20b.txt");
  EXPECT_EQ(s3.head_object("bucket", "missing"), std::nullopt);
}

TEST_F(S3ClientTest, HeadObjectThrowsOtherErrorsWithTheObjectName) {
  S3Client s3 = make_client();
  http_.script = {reply(403, {{"x-amz-request-id", "R403"}})};
  try {
    (void)s3.head_object("bucket", "secret.txt");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied);
    EXPECT_EQ(e.request_id(), "R403");
    EXPECT_NE(std::string(e.what()).find("s3://bucket/secret.txt"), std::string::npos) << e.what();
  }
}

TEST_F(S3ClientTest, GetObjectStreamsIntoTheSinkWithIfMatch) {
  S3Client s3 = make_client(S3Config{"us-east-1", "http://127.0.0.1:7480", false});
  http_.script = {
      reply(200, {{"content-length", "11"}, {"etag", "\"abc\""}, {"content-type", "text/plain"}}, "hello world")};
  std::string received;
  int pieces = 0;
  const auto sink = [&](std::string_view chunk) {
    received.append(chunk);
    ++pieces;
  };
  const ObjectInfo info = s3.get_object("bucket", "k+1", sink, "\"abc\"");
  EXPECT_EQ(received, "hello world");
  EXPECT_EQ(pieces, 4);
  EXPECT_EQ(info.size, 11U);
  EXPECT_EQ(info.etag, "\"abc\"");
  EXPECT_EQ(http_.sent[0].url, "http://127.0.0.1:7480/bucket/k%2B1");
  EXPECT_EQ(find_header(http_.sent[0].headers, "if-match"), "\"abc\"");
  EXPECT_EQ(find_header(http_.sent[0].headers, "x-amz-content-sha256"), sigv4::sha256_hex(""));
}

TEST_F(S3ClientTest, GetObjectMissingKeyIsNotFound) {
  S3Client s3 = make_client();
  http_.script = {reply(404, {{"content-type", "application/xml"}}, read_file(kErrorsDir + "NoSuchKey.xml"))};
  try {
    (void)s3.get_object("bucket", "myfoto.jpg", [](std::string_view) { FAIL() << "no body expected"; });
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_EQ(e.aws_code(), "NoSuchKey");
  }
  EXPECT_EQ(http_.sent.size(), 1U);
}

TEST_F(S3ClientTest, FailedIfMatchIsTransientWithoutRetry) {
  S3Client s3 = make_client();
  http_.script = {reply(412, {{"x-amz-request-id", "R412"}},
                        "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you "
                        "specified did not hold</Message></Error>"),
                  reply(200)};
  try {
    (void)s3.get_object(
        "bucket", "k", [](std::string_view) {}, "\"old\"");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
    EXPECT_EQ(e.retry_scope(), RetryScope::kJob) << "the whole job runs again, not the request";
    EXPECT_EQ(e.aws_code(), "PreconditionFailed");
    EXPECT_EQ(e.request_id(), "R412");
    EXPECT_NE(std::string(e.what()).find("s3://bucket/k"), std::string::npos) << e.what();
  }
  EXPECT_EQ(http_.sent.size(), 1U) << "a failed precondition does not change by waiting";
}

TEST_F(S3ClientTest, ServerErrorsAreRetriedByTheAwsClient) {
  S3Client s3 = make_client();
  http_.script = {reply(503, {}, read_file(kErrorsDir + "SlowDown.xml")), reply(500),
                  reply(200, {{"content-length", "3"}})};
  ASSERT_TRUE(s3.head_object("bucket", "k"));
  EXPECT_EQ(http_.sent.size(), 3U);
}

TEST_F(S3ClientTest, WrongRegionIsRetriedOnceInTheRightRegionAndRemembered) {
  S3Client s3 = make_client();
  http_.script = {
      reply(301, {{"x-amz-bucket-region", "eu-central-1"}}, read_file(kErrorsDir + "PermanentRedirect.xml")),
      reply(200, {{"content-length", "1"}}), reply(200, {{"content-length", "2"}})};
  ASSERT_TRUE(s3.head_object("foo", "key"));
  ASSERT_EQ(http_.sent.size(), 2U);
  EXPECT_EQ(http_.sent[1].url, "https://foo.s3.eu-central-1.amazonaws.com/key");
  EXPECT_NE(authorization(0).find("/us-east-1/s3/aws4_request"), std::string::npos);
  EXPECT_NE(authorization(1).find("/eu-central-1/s3/aws4_request"), std::string::npos);
  EXPECT_EQ(s3.region_for("foo"), "eu-central-1");
  EXPECT_EQ(s3.region_for("other"), "us-east-1");
  ASSERT_TRUE(s3.head_object("foo", "key2"));
  EXPECT_EQ(http_.sent.size(), 3U) << "the bucket's region is remembered";
  EXPECT_EQ(http_.sent[2].url, "https://foo.s3.eu-central-1.amazonaws.com/key2");
}

TEST_F(S3ClientTest, AuthorizationHeaderMalformedOnACustomEndpointReSignsOnly) {
  S3Client s3 = make_client(S3Config{"us-west-2", "http://127.0.0.1:7480", false});
  http_.script = {reply(400, {}, read_file(kErrorsDir + "AuthorizationHeaderMalformed.xml")), reply(200)};
  PutObjectRequest put{"bucket", "out.pdf", "%PDF", "application/pdf", SseMode::kNone, "", {}};
  (void)s3.put_object(put);
  ASSERT_EQ(http_.sent.size(), 2U);
  EXPECT_EQ(http_.sent[0].url, http_.sent[1].url);
  EXPECT_NE(authorization(1).find("/eu-central-1/s3/aws4_request"), std::string::npos);
}

TEST_F(S3ClientTest, OnlyOneRegionRetry) {
  S3Client s3 = make_client();
  http_.script = {reply(301, {{"x-amz-bucket-region", "eu-central-1"}}),
                  reply(301, {{"x-amz-bucket-region", "ap-south-1"}}), reply(200)};
  try {
    (void)s3.head_object("foo", "key");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
    EXPECT_EQ(e.http_status(), 301);
  }
  EXPECT_EQ(http_.sent.size(), 2U);
}

TEST_F(S3ClientTest, PutObjectSendsTheBuiltRequestSigned) {
  S3Client s3 = make_client(S3Config{"us-east-1", "http://127.0.0.1:7480", false});
  http_.script = {reply(200, {{"etag", "\"5d41402abc4b2a76b9719d911017c592\""}, {"x-amz-request-id", "RPUT"}})};
  const PutObjectRequest put{
      "out", "a/b.pdf", "hello", "application/pdf", SseMode::kAes256, "", {{"source-key", "a/b.txt"}}};
  const PutObjectResult result = s3.put_object(put);
  EXPECT_EQ(result.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(result.request_id, "RPUT");
  const HttpRequest& sent = http_.sent.at(0);
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.body, "hello");
  EXPECT_EQ(find_header(sent.headers, "x-amz-content-sha256"), sigv4::sha256_hex("hello"));
  const std::string signed_headers = authorization(0).substr(authorization(0).find("SignedHeaders="));
  for (const char* name : {"content-md5", "content-type", "x-amz-meta-source-key", "x-amz-server-side-encryption"}) {
    EXPECT_NE(signed_headers.find(name), std::string::npos) << name << " must be signed: " << signed_headers;
  }
}

TEST_F(S3ClientTest, BuildPutRequestCarriesSseMd5AndMetadata) {
  const S3Client s3 = make_client();
  PutObjectRequest put{"out-bucket",
                       "dir/r\xC3\xA9sum\xC3\xA9.pdf",
                       "%PDF-1.4 test",
                       "application/pdf",
                       SseMode::kAes256,
                       "",
                       {{"Source-Etag", "\"abc-2\""}, {"source-key", "dir/r\xC3\xA9sum\xC3\xA9.txt"}}};
  HttpRequest request = s3.build_put_request(put);
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.url, "https://out-bucket.s3.us-east-1.amazonaws.com/dir/r%C3%A9sum%C3%A9.pdf");
  EXPECT_EQ(request.body, put.body);
  EXPECT_EQ(find_header(request.headers, "content-type"), "application/pdf");
  EXPECT_EQ(find_header(request.headers, "content-md5"), "Zi0VDBwCHv3/xhAE55cRSw==");
  EXPECT_EQ(find_header(request.headers, "x-amz-server-side-encryption"), "AES256");
  EXPECT_EQ(find_header(request.headers, "x-amz-server-side-encryption-aws-kms-key-id"), std::nullopt);
  EXPECT_EQ(find_header(request.headers, "x-amz-meta-source-etag"), "\"abc-2\"");
  EXPECT_EQ(find_header(request.headers, "x-amz-meta-source-key"), "dir/r%C3%A9sum%C3%A9.txt");
  std::vector<std::string> meta_names;
  for (const auto& header : request.headers) {
    if (header.first.rfind("x-amz-meta-", 0) == 0) meta_names.push_back(header.first);
  }
  EXPECT_EQ(meta_names, (std::vector<std::string>{"x-amz-meta-source-etag", "x-amz-meta-source-key"}))
      << "names are sent lower-cased";

  put.sse = SseMode::kKms;
  put.kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/1234abcd";
  request = s3.build_put_request(put);
  EXPECT_EQ(find_header(request.headers, "x-amz-server-side-encryption"), "aws:kms");
  EXPECT_EQ(find_header(request.headers, "x-amz-server-side-encryption-aws-kms-key-id"), put.kms_key_id);

  put.kms_key_id.clear();
  request = s3.build_put_request(put);
  EXPECT_EQ(find_header(request.headers, "x-amz-server-side-encryption"), "aws:kms");
  EXPECT_EQ(find_header(request.headers, "x-amz-server-side-encryption-aws-kms-key-id"), std::nullopt);

  put.sse = SseMode::kNone;
  request = s3.build_put_request(put);
  EXPECT_EQ(find_header(request.headers, "x-amz-server-side-encryption"), std::nullopt);
  EXPECT_EQ(find_header(request.headers, "content-md5"), "Zi0VDBwCHv3/xhAE55cRSw==");
}

// Issue 12, bug 7: the PDF is streamed from its file; the digests are those of its bytes.
TEST_F(S3ClientTest, BuildPutRequestFromAFileStreamsItWithItsDigests) {
  const S3Client s3 = make_client();
  std::string bytes = "%PDF-1.4 test";
  for (int i = 0; i < 300000; ++i) bytes += static_cast<char>('a' + i % 26);  // more than one read
  char path[] = "/tmp/s3_test_put_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  PutObjectRequest put;
  put.bucket = "out-bucket";
  put.key = "a.pdf";
  put.content_type = "application/pdf";
  put.body_fd = fd;
  const HttpRequest request = s3.build_put_request(put);
  ::close(fd);
  ::unlink(path);
  EXPECT_TRUE(request.body.empty()) << "not held in memory";
  EXPECT_EQ(request.body_fd, fd);
  EXPECT_EQ(request.body_fd_size, bytes.size());
  EXPECT_EQ(find_header(request.headers, "content-md5"), content_md5(bytes));
  EXPECT_EQ(find_header(request.headers, "x-amz-content-sha256"), sigv4::sha256_hex(bytes));
  EXPECT_EQ(find_header(request.headers, "content-type"), "application/pdf");
}

TEST_F(S3ClientTest, BuildPutRequestRefusesBadMetadataNamesAndEmptyKeys) {
  const S3Client s3 = make_client();
  PutObjectRequest put{"bucket", "k", "", "", SseMode::kNone, "", {{"bad name", "x"}}};
  EXPECT_THROW((void)s3.build_put_request(put), Error);
  put.metadata.clear();
  put.key.clear();
  EXPECT_THROW((void)s3.build_put_request(put), Error);
}

TEST_F(S3ClientTest, ConstructorRefusesAMalformedEndpoint) {
  try {
    (void)make_client(S3Config{"us-east-1", "localhost:7480", false});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
  }
}

}  // namespace
}  // namespace txt2pdf
