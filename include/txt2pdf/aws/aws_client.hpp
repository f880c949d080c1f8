// Sends signed AWS requests with the retry rules every service shares: full-jitter exponential
// backoff for connection errors and retryable replies, clock-skew correction from the server's
// Date header. Service clients (s3, sqs, batch, ecs) build requests and parse replies; this sends.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/sigv4.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf {

struct RetryPolicy {
  int max_attempts = 5;                       // including the first
  std::chrono::milliseconds base_delay{200};  // attempt n waits uniform(0, min(cap, base * 2^n))
  std::chrono::milliseconds max_delay{20000};
};

// Turns a non-2xx reply into an Error (kind, status, AWS code, request id). Each protocol has one:
// S3's XML, SQS's JSON, Batch/ECS REST-JSON.
using ErrorParser = std::function<Error(const HttpResponse&)>;

// Pure helpers of the retry rules, exposed for tests.
// Upper bound of the full-jitter delay before retry number `retry` (0: after the first attempt):
// min(max_delay, base_delay * 2^retry).
[[nodiscard]] std::chrono::milliseconds backoff_cap(const RetryPolicy& policy, int retry);
// An HTTP Date header in the RFC 1123 form every AWS service sends ("Wed, 04 Jan 2023 20:41:17 GMT");
// nullopt when it is not one.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);
// AWS error codes a wrong local clock can cause (the set the AWS SDKs use for skew correction).
[[nodiscard]] bool is_clock_skew_code(std::string_view aws_code);
// AWS error codes that say the (temporary) credentials expired: ExpiredToken (S3, SQS),
// ExpiredTokenException (Batch, ECS, STS), TokenRefreshRequired.
[[nodiscard]] bool is_expired_token_code(std::string_view aws_code);

class AwsClient {
 public:
  // References must outlive the client.
  AwsClient(HttpClient& http, CredentialsProvider& credentials, Clock& clock, RetryPolicy policy = {});

  // Signs (fresh signature per attempt, with skew correction) and sends `request`. Returns the
  // first 2xx reply; any other status (3xx too: no redirect is followed) becomes an Error through
  // `parse_error`. Retries errors whose retry_scope() is RetryScope::kRequest up to the policy;
  // throws the last Error otherwise (kJob errors such as 412 at once).
  // Error(kTransient) from the HTTP client (no reply) is retried the same way; kCancelled and the
  // other kinds are thrown at once. A skew error (is_clock_skew_code, or a bodiless 403 as HEAD
  // gets) whose Date header is 5 min or more away from the local clock corrects the skew and is
  // re-signed at once (once per call). An expired-token error (is_expired_token_code) invalidates
  // the credentials and is re-signed at once with fresh ones (once per call).
  // No retry once part of a 2xx body went to request.body_sink: the sink would see bytes twice.
  [[nodiscard]] HttpResponse send(const HttpRequest& request, const sigv4::Scope& scope, const sigv4::Options& options,
                                  const ErrorParser& parse_error);

  // Number of attempts the last send() made (for logs and tests).
  [[nodiscard]] int last_attempts() const noexcept { return last_attempts_; }
  // Server time minus local time, learnt from a skew error's Date header (zero until then).
  [[nodiscard]] std::chrono::seconds clock_skew() const noexcept { return clock_skew_; }

 private:
  HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  RetryPolicy policy_;
  std::chrono::seconds clock_skew_{0};
  std::minstd_rand random_;
  int last_attempts_ = 0;
};

}  // namespace txt2pdf
