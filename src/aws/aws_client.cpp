#include "txt2pdf/aws/aws_client.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace txt2pdf {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// The AWS SDKs correct the clock only when it is off by this much (aws-sdk-js isClockSkewed); a
// smaller difference cannot be why a signature was refused.
constexpr seconds kSkewThreshold{300};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
[[nodiscard]] long long days_from_civil(long long year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const long long era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<long long>(day_of_era) - 719468;
}

// Parses exactly `width` decimal digits at text[pos].
[[nodiscard]] std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

[[nodiscard]] std::optional<unsigned> month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == name) return static_cast<unsigned>(i + 1);
  }
  return std::nullopt;
}

[[nodiscard]] bool is_success(int status) { return status >= 200 && status < 300; }

// The signing options with the body's hash, computed once for all the attempts.
[[nodiscard]] sigv4::Options with_payload_hash(const HttpRequest& request, const sigv4::Options& options) {
  sigv4::Options signing = options;
  if (signing.payload_hash.empty() && !find_header(request.headers, "x-amz-content-sha256")) {
    if (request.body_fd >= 0) {
      throw Error(ErrorKind::kInternal, "a body read from a file needs its x-amz-content-sha256 from the caller");
    }
    signing.payload_hash = sigv4::sha256_hex(request.body);
  }
  return signing;
}

// The skew to sign with when `error` may come from our clock being off (a skew code, or a bodiless
// 403 as any HEAD gets: its Date header is the only hint, as for the SDKs) and the reply's Date is
// kSkewThreshold or more away from `now` corrected by `skew`; nullopt otherwise.
[[nodiscard]] std::optional<seconds> corrected_skew(const HttpResponse& response, const Error& error,
                                                    system_clock::time_point now, seconds skew) {
  const bool may_be_skew = is_clock_skew_code(error.aws_code()) || (response.status == 403 && response.body.empty());
  if (!may_be_skew) return std::nullopt;
  const auto date = response.header("date");
  if (!date) return std::nullopt;
  const auto server_time = parse_http_date(*date);
  if (!server_time) return std::nullopt;
  const auto difference = std::chrono::duration_cast<seconds>(*server_time - now);
  if (std::abs((difference - skew).count()) < kSkewThreshold.count()) return std::nullopt;
  return difference;
}

}  // namespace

milliseconds backoff_cap(const RetryPolicy& policy, int retry) {
  milliseconds cap = policy.base_delay;
  for (int i = 0; i < retry && cap < policy.max_delay; ++i) cap *= 2;  // no overflow: stops at the cap
  return std::min(cap, policy.max_delay);
}

std::optional<system_clock::time_point> parse_http_date(std::string_view text) {
  // "Wed, 04 Jan 2023 20:41:17 GMT": fixed width, 29 characters (RFC 7231 section 7.1.1.1).
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  const auto day = digits(text, 5, 2);
  const auto month = month_number(text.substr(8, 3));
  const auto year = digits(text, 12, 4);
  const auto hour = digits(text, 17, 2);
  const auto minute = digits(text, 20, 2);
  const auto second = digits(text, 23, 2);
  if (!day || !month || !year || !hour || !minute || !second || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  const long long days = days_from_civil(*year, *month, static_cast<unsigned>(*day));
  const long long total = days * 86400 + static_cast<long long>(*hour) * 3600 + *minute * 60LL + *second;
  return system_clock::time_point(seconds(total));
}

bool is_clock_skew_code(std::string_view aws_code) {
  static constexpr std::array<std::string_view, 6> kCodes{"RequestTimeTooSkewed",  "RequestExpired",
                                                          "RequestInTheFuture",    "InvalidSignatureException",
                                                          "SignatureDoesNotMatch", "AuthFailure"};
  for (const auto code : kCodes) {
    if (code == aws_code) return true;
  }
  return false;
}

bool is_expired_token_code(std::string_view aws_code) {
  return aws_code == "ExpiredToken" || aws_code == "ExpiredTokenException" || aws_code == "TokenRefreshRequired";
}

AwsClient::AwsClient(HttpClient& http, CredentialsProvider& credentials, Clock& clock, RetryPolicy policy)
    : http_(http), credentials_(credentials), clock_(clock), policy_(policy), random_(std::random_device{}()) {}

HttpResponse AwsClient::send(const HttpRequest& request, const sigv4::Scope& scope, const sigv4::Options& options,
                             const ErrorParser& parse_error) {
  const sigv4::Options signing = with_payload_hash(request, options);
  // Bytes already handed to a streaming sink cannot be taken back: once some arrived, a failed
  // transfer is not retried here (the caller's sink would see them twice).
  std::uint64_t streamed = 0;
  HttpRequest attempt_request = request;
  if (request.body_sink) {
    attempt_request.body_sink = [&streamed, &request](std::string_view chunk) {
      streamed += chunk.size();
      return request.body_sink(chunk);
    };
  }
  bool skew_corrected = false;
  bool credentials_refreshed = false;
  last_attempts_ = 0;
  for (int attempt = 0;; ++attempt) {
    last_attempts_ = attempt + 1;
    const bool attempts_left = attempt + 1 < policy_.max_attempts;
    std::optional<Error> failure;
    try {
      attempt_request.headers = request.headers;
      sigv4::sign(attempt_request, credentials_.get(), scope, clock_.now() + clock_skew_, signing);
      HttpResponse response = http_.send(attempt_request);
      if (is_success(response.status)) return response;
      Error error = parse_error(response);
      if (!credentials_refreshed && attempts_left && is_expired_token_code(error.aws_code())) {
        // Temporary credentials ran out before their announced expiry (or the clock is off):
        // fetch new ones and sign again at once, as the AWS SDKs do.
        credentials_.invalidate();
        credentials_refreshed = true;
        continue;
      }
      if (!skew_corrected && attempts_left) {
        if (const auto skew = corrected_skew(response, error, clock_.now(), clock_skew_)) {
          // Our clock is off: sign again at once with the server's idea of the time.
          clock_skew_ = *skew;
          skew_corrected = true;
          continue;
        }
      }
      failure = std::move(error);
    } catch (const Error& error) {
      if (error.retry_scope() != RetryScope::kRequest) throw;  // cancelled, config, access...: final
      failure = error;
    }
    // Only an error whose retry reaches this request is repeated here; a job-scoped one (412, a
    // stop) goes up to whoever runs the job again.
    if (failure->retry_scope() != RetryScope::kRequest || !attempts_left || streamed > 0) {
      throw *failure;
    }
    std::uniform_int_distribution<milliseconds::rep> jitter(0, backoff_cap(policy_, attempt).count());
    if (!clock_.sleep_for(milliseconds(jitter(random_)))) {
      throw Error(ErrorKind::kCancelled, std::string("stopped while waiting to retry after: ") + failure->what())
          .with_aws(failure->http_status(), failure->aws_code(), failure->request_id());
    }
  }
}

}  // namespace txt2pdf
