// Sends signed AWS requests with the retry rules every service shares: full-jitter exponential
// backoff for connection errors and retryable replies, clock-skew correction from the server's
// Date header. Service clients (s3, sqs, batch, ecs) build requests and parse replies; this sends.
#pragma once

#include <chrono>
#include <functional>
#include <random>
#include <string>

#include "txt2pdf/clock.hpp"
#include "txt2pdf/credentials.hpp"
#include "txt2pdf/error.hpp"
#include "txt2pdf/http.hpp"
#include "txt2pdf/sigv4.hpp"

namespace txt2pdf {

struct RetryPolicy {
  int max_attempts = 5;                        // including the first
  std::chrono::milliseconds base_delay{200};   // attempt n waits uniform(0, min(cap, base * 2^n))
  std::chrono::milliseconds max_delay{20000};
};

// Turns a non-2xx reply into an Error (kind, status, AWS code, request id). Each protocol has one:
// S3's XML, SQS's JSON, Batch/ECS REST-JSON.
using ErrorParser = std::function<Error(const HttpResponse&)>;

class AwsClient {
 public:
  // References must outlive the client.
  AwsClient(HttpClient& http, CredentialsProvider& credentials, Clock& clock, RetryPolicy policy = {});

  // Signs (fresh signature per attempt, with skew correction) and sends `request`. Returns the
  // first 2xx/3xx reply, or 304/404 etc. are errors through `parse_error`. Retries transient errors
  // (Error::retryable() of the parsed error) up to the policy; throws the last Error otherwise.
  [[nodiscard]] HttpResponse send(const HttpRequest& request, const sigv4::Scope& scope, const sigv4::Options& options,
                                  const ErrorParser& parse_error);

  // Number of attempts the last send() made (for logs and tests).
  [[nodiscard]] int last_attempts() const noexcept { return last_attempts_; }

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
