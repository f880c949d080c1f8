// The one classification of AWS error replies, for every service txt2pdf calls (S3, SQS, AWS Batch,
// ECS): an error code (and, when the reply names none, the HTTP status) -> an ErrorKind and how far
// a retry should reach. Each service's parser (s3_errors, sqs, batch, ecs) reads the code out of
// its protocol's reply and asks this table; none keeps its own list.
// Codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, the SQS, Batch and
// ECS API references' "Errors" and "Common Errors" pages.
#pragma once

#include <string_view>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {

enum class AwsService { kS3, kSqs, kBatch, kEcs };

struct AwsErrorClass {
  ErrorKind kind;
  RetryScope scope;
  bool operator==(const AwsErrorClass& other) const { return kind == other.kind && scope == other.scope; }
};

// `code` as the service names it, without a namespace ("ThrottlingException", not
// "com.amazonaws.sqs#ThrottlingException"; SQS's "AWS.SimpleQueueService." prefix is ignored), empty
// when the reply had no code (a HEAD, an HTML page from a proxy). In order:
//   1. the code's row in the table (aws_errors.cpp), for any service: not-found, access-denied,
//      transient (request scope; PreconditionFailed: job scope), bad-input, config and internal codes;
//      codes starting "KMS." are config (S3's SSE-KMS settings);
//   2. the HTTP status: 5xx, 429, 408, 409 transient (request); 412 transient (job); 401, 403
//      access-denied; and for S3 alone, whose REST API answers a HEAD without a body: 404 not-found,
//      301 config (wrong region), 307 transient, 413 bad-input;
//   3. any other 4xx (or an unexpected status) is config, never retried. Both permanent kinds, config
//      (64) and internal (70), stop retries alike; config is the more useful answer because an
//      unknown 4xx is nearly always a request the settings shaped: Batch's ClientException (a job
//      queue or definition that does not exist), ECS's InvalidParameterException or a missing
//      cluster, an S3-compatible store or SQS stand-in refusing a feature or attribute it lacks.
//      Requests we know to be malformed by us (MalformedXML, InvalidDigest...) are listed as
//      internal in the table.
[[nodiscard]] AwsErrorClass classify_aws_error(AwsService service, int http_status, std::string_view code) noexcept;

// Error(kind, message) with the AWS details and the table's retry scope.
[[nodiscard]] Error aws_error(AwsService service, int http_status, std::string code, std::string request_id,
                              const std::string& message);

}  // namespace txt2pdf
