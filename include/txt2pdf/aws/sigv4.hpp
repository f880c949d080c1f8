// AWS Signature Version 4, as a pure function of (request, credentials, scope, time).
// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// Each stage is exposed so tests can check it against the published suites stage by stage.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf::sigv4 {

struct Scope {
  std::string region;   // e.g. "us-east-1"
  std::string service;  // e.g. "s3", "sqs", "batch", "ecs"
};

// What gets signed: the method; the path of request.url; its query (parameters decoded, re-encoded
// per RFC 3986 and sorted); every header in request.headers except Authorization, User-Agent,
// Expect and X-Amzn-Trace-Id (which HTTP stacks and proxies rewrite); the payload hash.
struct Options {
  // Generic services: remove "." / ".." segments and empty segments ("//") before encoding.
  bool normalize_path = true;
  // Generic services: the wire path is percent-encoded once more ('%' becomes %25). Off (S3): the
  // path is signed as sent; existing %XX escapes are kept and any other byte outside A-Za-z0-9-._~
  // and '/' is escaped.
  bool double_encode_path = true;
  // Adds x-amz-content-sha256 (S3 requires it).
  bool add_content_sha256_header = false;
  // Hex SHA-256 of the body (or "UNSIGNED-PAYLOAD"); empty: the request's x-amz-content-sha256
  // header when it has one, else computed from request.body.
  std::string payload_hash;
  // Temporary credentials: sign X-Amz-Security-Token (true, what STS, S3, SQS expect) or add it
  // after signing (false; a few services want it outside the signature).
  bool sign_session_token = true;
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

// Adds the headers that must be signed: Host (from the URL authority, if missing), X-Amz-Date
// (replaced), X-Amz-Security-Token (temporary credentials, when signed) and x-amz-content-sha256
// (when asked). compute_stages() on the result gives what sign() sends.
void prepare(HttpRequest& request, const Credentials& credentials, std::chrono::system_clock::time_point time,
             const Options& options);

// prepare(), then adds Authorization (replacing one from an earlier attempt). With
// sign_session_token false, X-Amz-Security-Token is added after signing.
void sign(HttpRequest& request, const Credentials& credentials, const Scope& scope,
          std::chrono::system_clock::time_point time, const Options& options);

// Query-string signing (a presigned URL, as in
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html): X-Amz-Algorithm,
// -Credential, -Date, -Expires, -SignedHeaders (and -Security-Token) are added to the URL's query
// and signed; every header of `request` (plus Host from the URL) is signed and must be sent as is.
// No X-Amz-Date or x-amz-content-sha256 header is added; for S3 set payload_hash to
// "UNSIGNED-PAYLOAD". `stages.authorization` is empty; `url` ends with X-Amz-Signature.
struct Presigned {
  Stages stages;
  std::string url;
};
[[nodiscard]] Presigned presign(const HttpRequest& request, const Credentials& credentials, const Scope& scope,
                                std::chrono::system_clock::time_point time, std::chrono::seconds expires,
                                const Options& options);

// Helpers shared with the rest of the AWS code.
[[nodiscard]] std::string sha256_hex(std::string_view data);
// RFC 3986 percent-encoding of everything but unreserved characters; '/' kept when asked.
[[nodiscard]] std::string uri_encode(std::string_view text, bool keep_slash);
// "20150830T123600Z"
[[nodiscard]] std::string amz_date(std::chrono::system_clock::time_point time);

}  // namespace txt2pdf::sigv4
