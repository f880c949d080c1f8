// The one AWS error table: a code means the same thing for every service, an unknown 4xx has one
// answer, and each row carries how far a retry reaches.
#include "txt2pdf/aws/aws_errors.hpp"

#include <gtest/gtest.h>

#include "txt2pdf/aws/batch.hpp"
#include "txt2pdf/aws/ecs.hpp"
#include "txt2pdf/aws/s3_errors.hpp"
#include "txt2pdf/aws/sqs.hpp"

namespace txt2pdf {
namespace {

constexpr AwsService kServices[] = {AwsService::kS3, AwsService::kSqs, AwsService::kBatch, AwsService::kEcs};

AwsErrorClass of(ErrorKind kind, RetryScope scope) { return {kind, scope}; }

TEST(AwsErrors, ACodeMeansTheSameForEveryService) {
  const std::vector<std::pair<const char*, AwsErrorClass>> rows{
      {"ThrottlingException", of(ErrorKind::kTransient, RetryScope::kRequest)},
      {"SlowDown", of(ErrorKind::kTransient, RetryScope::kRequest)},
      {"ServiceUnavailable", of(ErrorKind::kTransient, RetryScope::kRequest)},
      {"RequestTimeTooSkewed", of(ErrorKind::kTransient, RetryScope::kRequest)},
      {"PreconditionFailed", of(ErrorKind::kTransient, RetryScope::kJob)},
      {"AccessDenied", of(ErrorKind::kAccessDenied, RetryScope::kNever)},
      {"AccessDeniedException", of(ErrorKind::kAccessDenied, RetryScope::kNever)},
      {"SignatureDoesNotMatch", of(ErrorKind::kAccessDenied, RetryScope::kNever)},
      {"ExpiredToken", of(ErrorKind::kAccessDenied, RetryScope::kNever)},
      {"NoSuchKey", of(ErrorKind::kNotFound, RetryScope::kNever)},
      {"QueueDoesNotExist", of(ErrorKind::kNotFound, RetryScope::kNever)},
      {"EntityTooLarge", of(ErrorKind::kBadInput, RetryScope::kNever)},
      {"PermanentRedirect", of(ErrorKind::kConfig, RetryScope::kNever)},
      {"KMS.NotFoundException", of(ErrorKind::kConfig, RetryScope::kNever)},
      {"MalformedXML", of(ErrorKind::kInternal, RetryScope::kNever)},
  };
  for (const auto& [code, expected] : rows) {
    for (const auto service : kServices) {
      EXPECT_EQ(classify_aws_error(service, 400, code), expected) << code << " " << static_cast<int>(service);
    }
  }
}

TEST(AwsErrors, NamespacedAndPrefixedCodesAreTheBareCode) {
  EXPECT_EQ(classify_aws_error(AwsService::kSqs, 400, "com.amazonaws.sqs#ThrottlingException").kind,
            ErrorKind::kTransient);
  EXPECT_EQ(classify_aws_error(AwsService::kSqs, 400, "AWS.SimpleQueueService.NonExistentQueue").kind,
            ErrorKind::kNotFound);
}

// Today's one answer for an unknown 4xx: config (S3 and SQS said internal, Batch and ECS config).
TEST(AwsErrors, UnknownFourHundredsAreConfigEverywhere) {
  for (const auto service : kServices) {
    for (const char* code :
         {"ClientException", "InvalidParameterException", "InvalidParameterValue", "SomethingNew", ""}) {
      EXPECT_EQ(classify_aws_error(service, 400, code), of(ErrorKind::kConfig, RetryScope::kNever)) << code;
    }
    EXPECT_EQ(classify_aws_error(service, 422, ""), of(ErrorKind::kConfig, RetryScope::kNever));
  }
}

TEST(AwsErrors, StatusDecidesWhenThereIsNoCode) {
  for (const auto service : kServices) {
    for (int status : {500, 502, 503, 504, 429, 408, 409}) {
      EXPECT_EQ(classify_aws_error(service, status, ""), of(ErrorKind::kTransient, RetryScope::kRequest)) << status;
    }
    EXPECT_EQ(classify_aws_error(service, 412, ""), of(ErrorKind::kTransient, RetryScope::kJob));
    EXPECT_EQ(classify_aws_error(service, 403, "").kind, ErrorKind::kAccessDenied);
    EXPECT_EQ(classify_aws_error(service, 401, "").kind, ErrorKind::kAccessDenied);
  }
  // S3's REST API answers HEAD without a body: its statuses carry the meaning.
  EXPECT_EQ(classify_aws_error(AwsService::kS3, 404, "").kind, ErrorKind::kNotFound);
  EXPECT_EQ(classify_aws_error(AwsService::kS3, 301, "").kind, ErrorKind::kConfig);
  EXPECT_EQ(classify_aws_error(AwsService::kS3, 307, ""), of(ErrorKind::kTransient, RetryScope::kRequest));
  EXPECT_EQ(classify_aws_error(AwsService::kS3, 413, "").kind, ErrorKind::kBadInput);
  // A JSON API's bodiless 404 is a wrong endpoint, not a missing object.
  for (const auto service : {AwsService::kSqs, AwsService::kBatch, AwsService::kEcs}) {
    EXPECT_EQ(classify_aws_error(service, 404, "").kind, ErrorKind::kConfig);
  }
}

TEST(AwsErrors, EveryParserAsksTheTable) {
  HttpResponse s3;
  s3.status = 400;
  s3.body = "<Error><Code>ThrottlingException</Code></Error>";
  HttpResponse json;
  json.status = 400;
  json.body = R"({"__type":"ThrottlingException","message":"slow down"})";
  HttpResponse unknown;
  unknown.status = 400;
  unknown.body = R"({"__type":"BrandNewException"})";
  EXPECT_EQ(parse_s3_error(s3).retry_scope(), RetryScope::kRequest);
  for (const Error& error : {sqs::parse_error(json), batch::parse_error(json), ecs::parse_error(json)}) {
    EXPECT_EQ(error.kind(), ErrorKind::kTransient) << error.what();
    EXPECT_EQ(error.retry_scope(), RetryScope::kRequest);
    EXPECT_EQ(error.aws_code(), "ThrottlingException");
  }
  for (const Error& error : {sqs::parse_error(unknown), batch::parse_error(unknown), ecs::parse_error(unknown)}) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig) << error.what();
    EXPECT_FALSE(error.retryable());
  }
  const Error built = aws_error(AwsService::kS3, 412, "PreconditionFailed", "rid", "changed");
  EXPECT_EQ(built.retry_scope(), RetryScope::kJob);
  EXPECT_EQ(built.http_status(), 412);
  EXPECT_EQ(built.request_id(), "rid");
  EXPECT_STREQ(built.what(), "changed");
}

}  // namespace
}  // namespace txt2pdf
