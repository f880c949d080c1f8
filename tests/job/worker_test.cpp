// The worker protocol (job/worker.hpp): requests and results survive the round trip byte for
// byte, including keys that are not UTF-8, and malformed lines are refused.
#include "txt2pdf/job/worker.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

TEST(WorkerProtocol, RequestRoundTripKeepsEveryByte) {
  WorkerRequest request;
  request.id = 42;
  request.source_bucket = "in";
  request.object_key = std::string("bad/\xFF\xFE 100% \n\x01.txt");  // not UTF-8, a '%', a newline
  request.dest_bucket = "out";
  request.dest_key = "pdf/x.pdf";
  request.credentials = {"AKID", "secret/+=", "token",
                         std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  const auto line = encode_worker_request(request);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one request is one line";
  EXPECT_FALSE(nlohmann::json::parse(line).is_discarded());
  const auto back = decode_worker_request(line);
  EXPECT_EQ(back.id, 42);
  EXPECT_EQ(back.object_key, request.object_key);
  EXPECT_EQ(back.dest_key, "pdf/x.pdf");
  EXPECT_EQ(back.credentials.secret_access_key, "secret/+=");
  EXPECT_EQ(back.credentials.session_token, "token");
  ASSERT_TRUE(back.credentials.expiration);
  EXPECT_EQ(*back.credentials.expiration, *request.credentials.expiration);
}

TEST(WorkerProtocol, ResultRoundTripAndVerifiedOnlyOnSuccess) {
  WorkerResult result;
  result.id = 7;
  result.exit_code = 0;
  result.verified = true;
  result.source_etag = "\"abc\"";
  result.pdf_bytes = 1234;
  result.pages = 2;
  const auto back = decode_worker_result(encode_worker_result(result));
  EXPECT_EQ(back.id, 7);
  EXPECT_EQ(back.exit_code, 0);
  EXPECT_TRUE(back.verified);
  EXPECT_EQ(back.source_etag, "\"abc\"");
  EXPECT_EQ(back.pdf_bytes, 1234u);
  // A failure can never claim a verified PDF, whatever the line says.
  const auto failed = decode_worker_result(R"({"id": 1, "exit_code": 75, "verified": true, "detail": "x%0Ay"})");
  EXPECT_FALSE(failed.verified);
  EXPECT_EQ(failed.detail, "x\ny");
}

TEST(WorkerProtocol, MalformedLinesAreRefused) {
  for (const char* line : {"", "not json", "[1]", R"({"id": 1})", R"({"id": 1, "exit_code": "0"})"}) {
    EXPECT_THROW((void)decode_worker_result(line), Error) << line;
  }
  for (const char* line : {"{}", R"({"id": 1, "source_bucket": "a", "object_key": "b"})",
                           R"({"id": 1, "source_bucket": "a", "object_key": "%G1", "dest_bucket": "c"})",
                           R"({"id": 1, "source_bucket": "a", "object_key": "%4", "dest_bucket": "c"})"}) {
    EXPECT_THROW((void)decode_worker_request(line), Error) << line;
  }
}

}  // namespace
}  // namespace txt2pdf
