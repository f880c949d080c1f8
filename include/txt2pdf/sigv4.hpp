// AWS Signature Version 4, as a pure function of (request, credentials, scope, time).
// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// Each stage is exposed so tests can check it against the published suites stage by stage.
#pragma once

#include <chrono>
#include <string>

#include "txt2pdf/credentials.hpp"
#include "txt2pdf/http.hpp"

namespace txt2pdf::sigv4 {

struct Scope {
  std::string region;   // e.g. "us-east-1"
  std::string service;  // e.g. "s3", "sqs", "batch", "ecs"
};

struct Options {
  // S3 signs the path exactly as sent: no dot-segment normalisation, no second encoding.
  bool normalize_path = true;
  bool double_encode_path = true;
  // Adds x-amz-content-sha256 (S3 requires it).
  bool add_content_sha256_header = false;
  // Hex SHA-256 of the body; empty: computed from request.body.
  std::string payload_hash;
};

// Options S3 needs (no normalisation, no double encoding, x-amz-content-sha256).
[[nodiscard]] Options s3_options();

struct Stages {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header value
};

// Computes every stage for `request` as it would be signed at `time` (UTC). The request must
// already carry its Host and X-Amz-Date (and token) headers: see sign().
[[nodiscard]] Stages compute_stages(const HttpRequest& request, const Credentials& credentials, const Scope& scope,
                                    std::chrono::system_clock::time_point time, const Options& options);

// Adds Host (if missing), X-Amz-Date, X-Amz-Security-Token (temporary credentials),
// x-amz-content-sha256 (when asked) and Authorization to `request`.
void sign(HttpRequest& request, const Credentials& credentials, const Scope& scope,
          std::chrono::system_clock::time_point time, const Options& options);

// Helpers shared with the rest of the AWS code.
[[nodiscard]] std::string sha256_hex(std::string_view data);
// RFC 3986 percent-encoding of everything but unreserved characters; '/' kept when asked.
[[nodiscard]] std::string uri_encode(std::string_view text, bool keep_slash);
// "20150830T123600Z"
[[nodiscard]] std::string amz_date(std::chrono::system_clock::time_point time);

}  // namespace txt2pdf::sigv4
