// Retry, backoff and clock-skew rules of AwsClient, with a scripted HttpClient and a fake Clock.
#include "txt2pdf/aws/aws_client.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace txt2pdf {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// Replies in order from a script: a response, or an Error to throw as the transport would.
class ScriptedHttp final : public HttpClient {
 public:
  using Step = std::variant<HttpResponse, Error>;
  std::deque<Step> script;
  std::vector<HttpRequest> sent;
  std::string stream_before_failure;  // handed to the sink before an Error step is thrown

  HttpResponse send(const HttpRequest& request) override {
    sent.push_back(request);
    if (script.empty()) throw std::logic_error("script exhausted");
    Step step = script.front();
    script.pop_front();
    if (auto* error = std::get_if<Error>(&step)) {
      if (request.body_sink && !stream_before_failure.empty()) request.body_sink(stream_before_failure);
      throw *error;
    }
    return std::get<HttpResponse>(step);
  }
};

// A new key pair on every call, like a provider that refreshed: proves credentials are fetched per
// attempt.
class CountingCredentials final : public CredentialsProvider {
 public:
  int calls = 0;
  Credentials get() override {
    ++calls;
    return Credentials{"AKIDEXAMPLE" + std::to_string(calls), "secret" + std::to_string(calls), "", std::nullopt};
  }
};

class FakeClock final : public Clock {
 public:
  system_clock::time_point time = system_clock::time_point(seconds(1672531200));  // 2023-01-01T00:00:00Z
  std::vector<milliseconds> sleeps;
  bool stop = false;
  [[nodiscard]] system_clock::time_point now() const override { return time; }
  bool sleep_for(milliseconds duration) override {
    sleeps.push_back(duration);
    time += duration;
    return !stop;
  }
};

HttpResponse reply(int status, const std::string& code = "", const std::string& date = "") {
  HttpResponse response;
  response.status = status;
  response.body = code;
  if (!date.empty()) response.headers.emplace_back("date", date);
  return response;
}

// A minimal protocol: the body is the AWS code; kind from the status.
Error parse_test_error(const HttpResponse& response) {
  ErrorKind kind = ErrorKind::kInternal;
  if (response.status >= 500 || response.body == "RequestTimeTooSkewed") kind = ErrorKind::kTransient;
  if (response.status == 404) kind = ErrorKind::kNotFound;
  if (response.status == 403 && response.body != "RequestTimeTooSkewed") kind = ErrorKind::kAccessDenied;
  return Error(kind, "test error " + response.body).with_aws(response.status, response.body, "req-1");
}

class AwsClientTest : public ::testing::Test {
 protected:
  HttpResponse send(RetryPolicy policy = {}) {
    AwsClient client(http_, credentials_, clock_, policy);
    HttpResponse response = client.send(request_, {"us-east-1", "s3"}, sigv4::s3_options(), parse_test_error);
    attempts_ = client.last_attempts();
    return response;
  }
  // Runs send() expecting an Error; returns it.
  Error send_failing(RetryPolicy policy = {}) {
    AwsClient client(http_, credentials_, clock_, policy);
    try {
      (void)client.send(request_, {"us-east-1", "s3"}, sigv4::s3_options(), parse_test_error);
    } catch (const Error& e) {
      attempts_ = client.last_attempts();
      return e;
    }
    ADD_FAILURE() << "send() did not throw";
    return Error(ErrorKind::kInternal, "none");
  }

  ScriptedHttp http_;
  CountingCredentials credentials_;
  FakeClock clock_;
  HttpRequest request_{"GET", "https://bucket.s3.us-east-1.amazonaws.com/key.txt", {}, "", {}, milliseconds(0)};
  int attempts_ = 0;
};

TEST(BackoffCap, DoublesFromTheBaseUpToTheMaximum) {
  const RetryPolicy policy{5, milliseconds(200), milliseconds(20000)};
  EXPECT_EQ(backoff_cap(policy, 0), milliseconds(200));
  EXPECT_EQ(backoff_cap(policy, 1), milliseconds(400));
  EXPECT_EQ(backoff_cap(policy, 6), milliseconds(12800));
  EXPECT_EQ(backoff_cap(policy, 7), milliseconds(20000));
  EXPECT_EQ(backoff_cap(policy, 1000), milliseconds(20000)) << "no overflow for large retry numbers";
}

TEST(ParseHttpDate, ReadsRfc1123Dates) {
  const auto epoch = [](const char* text) { return parse_http_date(text)->time_since_epoch(); };
  EXPECT_EQ(epoch("Wed, 04 Jan 2023 20:41:17 GMT"), seconds(1672864877));
  EXPECT_EQ(epoch("Sun, 06 Nov 1994 08:49:37 GMT"), seconds(784111777));
  EXPECT_EQ(epoch("Thu, 29 Feb 2024 23:59:59 GMT"), seconds(1709251199));
}

TEST(ParseHttpDate, RefusesOtherForms) {
  for (const char* text : {"", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "2023-01-04T20:41:17Z",
                           "Wed, 04 Jxn 2023 20:41:17 GMT", "Wed, 04 Jan 2023 20:41:17 UTC",
                           "Wed, 4 Jan 2023 20:41:17 GMT", "Wed, 04 Jan 2023 24:41:17 GMT"}) {
    EXPECT_EQ(parse_http_date(text), std::nullopt) << text;
  }
}

TEST(ClockSkewCode, KnowsTheSkewCodes) {
  EXPECT_TRUE(is_clock_skew_code("RequestTimeTooSkewed"));
  EXPECT_TRUE(is_clock_skew_code("SignatureDoesNotMatch"));
  EXPECT_TRUE(is_clock_skew_code("RequestExpired"));
  EXPECT_FALSE(is_clock_skew_code("AccessDenied"));
  EXPECT_FALSE(is_clock_skew_code(""));
}

TEST_F(AwsClientTest, SignsAndReturnsTheFirstSuccess) {
  http_.script = {reply(200, "hello")};
  EXPECT_EQ(send().body, "hello");
  EXPECT_EQ(attempts_, 1);
  ASSERT_EQ(http_.sent.size(), 1U);
  const HttpRequest& sent = http_.sent[0];
  EXPECT_EQ(find_header(sent.headers, "x-amz-date"), "20230101T000000Z");
  EXPECT_EQ(find_header(sent.headers, "x-amz-content-sha256"), sigv4::sha256_hex(""));
  EXPECT_NE(find_header(sent.headers, "authorization")->find("Credential=AKIDEXAMPLE1/20230101/us-east-1/s3/"),
            std::string::npos);
  EXPECT_TRUE(clock_.sleeps.empty());
}

TEST_F(AwsClientTest, RetriesRetryableRepliesWithFreshSignatures) {
  http_.script = {reply(503, "SlowDown"), reply(500, "InternalError"), reply(200, "ok")};
  EXPECT_EQ(send().body, "ok");
  EXPECT_EQ(attempts_, 3);
  EXPECT_EQ(credentials_.calls, 3);
  ASSERT_EQ(clock_.sleeps.size(), 2U);
  EXPECT_LE(clock_.sleeps[0], milliseconds(200));
  EXPECT_LE(clock_.sleeps[1], milliseconds(400));
  std::set<std::string> authorizations;
  for (const auto& sent : http_.sent) {
    authorizations.insert(*find_header(sent.headers, "authorization"));
    // Exactly one of each signed header: earlier attempts' headers were not kept.
    int count = 0;
    for (const auto& header : sent.headers) count += header.first == "Authorization" ? 1 : 0;
    EXPECT_EQ(count, 1);
  }
  EXPECT_EQ(authorizations.size(), 3U) << "every attempt is signed anew";
}

TEST_F(AwsClientTest, RetriesTransportErrors) {
  http_.script = {Error(ErrorKind::kTransient, "connection refused"), reply(200, "ok")};
  EXPECT_EQ(send().body, "ok");
  EXPECT_EQ(attempts_, 2);
  EXPECT_EQ(clock_.sleeps.size(), 1U);
}

TEST_F(AwsClientTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  http_.script = {reply(500, "InternalError"), reply(503, "SlowDown"), reply(503, "SlowDown"), reply(200)};
  const Error error = send_failing(RetryPolicy{3, milliseconds(100), milliseconds(1000)});
  EXPECT_EQ(error.kind(), ErrorKind::kTransient);
  EXPECT_EQ(error.http_status(), 503);
  EXPECT_EQ(error.aws_code(), "SlowDown");
  EXPECT_EQ(attempts_, 3);
  EXPECT_EQ(clock_.sleeps.size(), 2U);
  EXPECT_EQ(http_.script.size(), 1U);
}

TEST_F(AwsClientTest, NonRetryableErrorIsThrownAtOnce) {
  http_.script = {reply(404, "NoSuchKey"), reply(200)};
  const Error error = send_failing();
  EXPECT_EQ(error.kind(), ErrorKind::kNotFound);
  EXPECT_EQ(error.aws_code(), "NoSuchKey");
  EXPECT_EQ(attempts_, 1);
  EXPECT_TRUE(clock_.sleeps.empty());
}

TEST_F(AwsClientTest, CancelledTransferIsNotRetried) {
  http_.script = {Error(ErrorKind::kCancelled, "stop"), reply(200)};
  EXPECT_EQ(send_failing().kind(), ErrorKind::kCancelled);
  EXPECT_EQ(attempts_, 1);
}

TEST_F(AwsClientTest, StopDuringBackoffCancels) {
  clock_.stop = true;
  http_.script = {reply(503, "SlowDown"), reply(200)};
  const Error error = send_failing();
  EXPECT_EQ(error.kind(), ErrorKind::kCancelled);
  EXPECT_EQ(error.aws_code(), "SlowDown");
  EXPECT_EQ(attempts_, 1);
}

TEST_F(AwsClientTest, CorrectsClockSkewFromTheDateHeaderAndRetriesAtOnce) {
  const std::string server_date = "Wed, 04 Jan 2023 20:41:17 GMT";  // local clock is 3+ days behind
  http_.script = {reply(403, "RequestTimeTooSkewed", server_date), reply(200, "ok")};
  AwsClient client(http_, credentials_, clock_);
  EXPECT_EQ(client.send(request_, {"us-east-1", "s3"}, sigv4::s3_options(), parse_test_error).body, "ok");
  EXPECT_EQ(client.last_attempts(), 2);
  EXPECT_TRUE(clock_.sleeps.empty()) << "no backoff for a skew correction";
  EXPECT_EQ(client.clock_skew(), seconds(1672864877 - 1672531200));
  EXPECT_EQ(find_header(http_.sent[1].headers, "x-amz-date"), "20230104T204117Z");
  // The correction sticks for later calls.
  http_.script = {reply(200)};
  (void)client.send(request_, {"us-east-1", "s3"}, sigv4::s3_options(), parse_test_error);
  EXPECT_EQ(find_header(http_.sent[2].headers, "x-amz-date"), "20230104T204117Z");
}

// Issue 12, bug 8. Before: ExpiredToken was final (77) without asking for new credentials.
TEST_F(AwsClientTest, ExpiredTokenRefreshesTheCredentialsAndRetriesAtOnce) {
  class Expiring final : public CredentialsProvider {
   public:
    int invalidated = 0;
    Credentials get() override {
      return Credentials{"ASIA" + std::to_string(invalidated), "secret", "token" + std::to_string(invalidated),
                         std::nullopt};
    }
    void invalidate() override { ++invalidated; }
  } credentials;
  http_.script = {reply(400, "ExpiredToken"), reply(200, "ok")};
  AwsClient client(http_, credentials, clock_);
  EXPECT_EQ(client.send(request_, {"us-east-1", "s3"}, sigv4::s3_options(), parse_test_error).body, "ok");
  EXPECT_EQ(credentials.invalidated, 1);
  EXPECT_TRUE(clock_.sleeps.empty()) << "no backoff: new credentials at once";
  EXPECT_EQ(find_header(http_.sent[0].headers, "x-amz-security-token"), "token0");
  EXPECT_EQ(find_header(http_.sent[1].headers, "x-amz-security-token"), "token1");
  // Once per call: a second ExpiredToken is the answer.
  http_.script = {reply(400, "ExpiredTokenException"), reply(400, "ExpiredTokenException"), reply(200)};
  EXPECT_THROW((void)client.send(request_, {"us-east-1", "s3"}, sigv4::s3_options(), parse_test_error), Error);
  EXPECT_EQ(credentials.invalidated, 2);
}

TEST_F(AwsClientTest, SignatureMismatchWithACorrectClockIsFinal) {
  http_.script = {reply(403, "SignatureDoesNotMatch", "Sun, 01 Jan 2023 00:02:00 GMT"), reply(200)};
  const Error error = send_failing();
  EXPECT_EQ(error.kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(attempts_, 1);
}

TEST_F(AwsClientTest, SignatureMismatchFromASkewedClockIsCorrected) {
  http_.script = {reply(403, "SignatureDoesNotMatch", "Sun, 01 Jan 2023 01:00:00 GMT"), reply(200, "ok")};
  EXPECT_EQ(send().body, "ok");
  EXPECT_EQ(find_header(http_.sent[1].headers, "x-amz-date"), "20230101T010000Z");
}

TEST_F(AwsClientTest, BodilessForbiddenReplyToHeadIsCheckedForSkew) {
  request_.method = "HEAD";
  http_.script = {reply(403, "", "Sun, 01 Jan 2023 02:00:00 GMT"), reply(200, "")};
  EXPECT_EQ(send().status, 200);
  EXPECT_EQ(find_header(http_.sent[1].headers, "x-amz-date"), "20230101T020000Z");
  // With a correct clock the same reply is a plain access error.
  http_.sent.clear();
  http_.script = {reply(403, "", "Sun, 01 Jan 2023 00:00:05 GMT"), reply(200, "")};
  EXPECT_EQ(send_failing().kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(attempts_, 1);
}

TEST_F(AwsClientTest, SkewErrorWithoutDateFallsBackToBackoff) {
  http_.script = {reply(403, "RequestTimeTooSkewed"), reply(200, "ok")};
  EXPECT_EQ(send().body, "ok");
  EXPECT_EQ(clock_.sleeps.size(), 1U);
}

TEST_F(AwsClientTest, NoRetryOnceStreamedBytesReachedTheSink) {
  std::string received;
  request_.body_sink = [&received](std::string_view chunk) {
    received.append(chunk);
    return true;
  };
  http_.stream_before_failure = "partial";
  http_.script = {Error(ErrorKind::kTransient, "connection reset"), reply(200)};
  EXPECT_EQ(send_failing().kind(), ErrorKind::kTransient);
  EXPECT_EQ(attempts_, 1);
  EXPECT_EQ(received, "partial");
}

TEST_F(AwsClientTest, BackoffIsFullJitterWithinTheCap) {
  const RetryPolicy policy{6, milliseconds(100), milliseconds(1000)};
  std::vector<milliseconds> largest(5, milliseconds(0));
  std::vector<milliseconds> smallest(5, milliseconds(1000000));
  for (int run = 0; run < 200; ++run) {
    clock_.sleeps.clear();
    http_.script.assign(6, reply(503, "SlowDown"));
    (void)send_failing(policy);
    ASSERT_EQ(clock_.sleeps.size(), 5U);
    for (int retry = 0; retry < 5; ++retry) {
      EXPECT_LE(clock_.sleeps[retry], backoff_cap(policy, retry));
      largest[retry] = std::max(largest[retry], clock_.sleeps[retry]);
      smallest[retry] = std::min(smallest[retry], clock_.sleeps[retry]);
    }
  }
  // Spread over [0, cap]: with 200 draws the extremes land near both ends.
  for (int retry = 0; retry < 5; ++retry) {
    EXPECT_GT(largest[retry], backoff_cap(policy, retry) * 8 / 10) << retry;
    EXPECT_LT(smallest[retry], backoff_cap(policy, retry) * 2 / 10) << retry;
  }
}

}  // namespace
}  // namespace txt2pdf
