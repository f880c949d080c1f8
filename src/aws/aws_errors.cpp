#include "txt2pdf/aws/aws_errors.hpp"

#include <array>
#include <utility>

namespace txt2pdf {
namespace {

struct Row {
  std::string_view code;
  ErrorKind kind;
  RetryScope scope;
};

constexpr auto kNever = RetryScope::kNever;
constexpr auto kRequest = RetryScope::kRequest;
constexpr auto kJob = RetryScope::kJob;
constexpr auto kNotFound = ErrorKind::kNotFound;
constexpr auto kAccess = ErrorKind::kAccessDenied;
constexpr auto kTransient = ErrorKind::kTransient;
constexpr auto kBadInput = ErrorKind::kBadInput;
constexpr auto kConfig = ErrorKind::kConfig;
constexpr auto kInternal = ErrorKind::kInternal;

// One row per code, whichever service sends it (a code means the same thing everywhere it occurs).
constexpr std::array kTable{
    // The object, bucket, queue or receipt is not there.
    Row{"NoSuchKey", kNotFound, kNever},
    Row{"NoSuchBucket", kNotFound, kNever},
    Row{"NoSuchVersion", kNotFound, kNever},
    Row{"NonExistentQueue", kNotFound, kNever},
    Row{"QueueDoesNotExist", kNotFound, kNever},
    Row{"ReceiptHandleIsInvalid", kNotFound, kNever},
    Row{"MessageNotInflight", kNotFound, kNever},
    // Credentials missing, wrong, expired or not allowed.
    Row{"AccessDenied", kAccess, kNever},
    Row{"AccessDeniedException", kAccess, kNever},
    Row{"InvalidAccessKeyId", kAccess, kNever},
    Row{"InvalidClientTokenId", kAccess, kNever},
    Row{"SignatureDoesNotMatch", kAccess, kNever},
    Row{"InvalidSignatureException", kAccess, kNever},
    Row{"IncompleteSignatureException", kAccess, kNever},
    Row{"UnrecognizedClientException", kAccess, kNever},
    Row{"MissingAuthenticationToken", kAccess, kNever},
    Row{"MissingAuthenticationTokenException", kAccess, kNever},
    Row{"InvalidSecurity", kAccess, kNever},
    Row{"ExpiredToken", kAccess, kNever},
    Row{"ExpiredTokenException", kAccess, kNever},
    Row{"InvalidToken", kAccess, kNever},
    Row{"TokenRefreshRequired", kAccess, kNever},
    Row{"NotAuthorized", kAccess, kNever},
    Row{"AccountProblem", kAccess, kNever},
    Row{"AllAccessDisabled", kAccess, kNever},
    Row{"KmsAccessDenied", kAccess, kNever},
    // The service is busy, failing or throttling, or the bytes were damaged on the way: again.
    Row{"InternalError", kTransient, kRequest},
    Row{"InternalFailure", kTransient, kRequest},
    Row{"ServerException", kTransient, kRequest},
    Row{"ServiceUnavailable", kTransient, kRequest},
    Row{"ServiceUnavailableException", kTransient, kRequest},
    Row{"SlowDown", kTransient, kRequest},
    Row{"Throttling", kTransient, kRequest},
    Row{"ThrottlingException", kTransient, kRequest},
    Row{"RequestThrottled", kTransient, kRequest},
    Row{"TooManyRequestsException", kTransient, kRequest},
    Row{"RequestLimitExceeded", kTransient, kRequest},
    Row{"BandwidthLimitExceeded", kTransient, kRequest},
    Row{"KmsThrottled", kTransient, kRequest},
    Row{"OverLimit", kTransient, kRequest},
    Row{"RequestTimeout", kTransient, kRequest},
    Row{"RequestExpired", kTransient, kRequest},
    // AwsClient corrects its clock from the reply's Date first.
    Row{"RequestTimeTooSkewed", kTransient, kRequest},
    Row{"BadDigest", kTransient, kRequest},
    Row{"XAmzContentSHA256Mismatch", kTransient, kRequest},
    Row{"IncompleteBody", kTransient, kRequest},
    Row{"OperationAborted", kTransient, kRequest},
    Row{"TemporaryRedirect", kTransient, kRequest},
    // If-Match failed: the object changed since its ETag was read. The same request cannot
    // succeed; the whole job, run again, reads the new version.
    Row{"PreconditionFailed", kTransient, kJob},
    // What S3 refuses about the object or the PDF made from it.
    Row{"EntityTooLarge", kBadInput, kNever},
    Row{"KeyTooLongError", kBadInput, kNever},
    Row{"MetadataTooLarge", kBadInput, kNever},
    Row{"InvalidObjectState", kBadInput, kNever},
    // Settings: the wrong region (when not corrected), a bad bucket name, SSE/KMS options.
    Row{"PermanentRedirect", kConfig, kNever},
    Row{"AuthorizationHeaderMalformed", kConfig, kNever},
    Row{"IllegalLocationConstraintException", kConfig, kNever},
    Row{"InvalidBucketName", kConfig, kNever},
    Row{"InvalidRequest", kConfig, kNever},
    Row{"InvalidArgument", kConfig, kNever},
    // Requests only a bug of ours makes.
    Row{"MalformedXML", kInternal, kNever},
    Row{"InvalidDigest", kInternal, kNever},
    Row{"MissingContentLength", kInternal, kNever},
    Row{"SerializationException", kInternal, kNever},
};

std::string_view bare_code(std::string_view code) {
  constexpr std::string_view kSqsPrefix = "AWS.SimpleQueueService.";
  if (const auto hash = code.rfind('#'); hash != std::string_view::npos) code.remove_prefix(hash + 1);
  if (code.substr(0, kSqsPrefix.size()) == kSqsPrefix) code.remove_prefix(kSqsPrefix.size());
  return code;
}

}  // namespace

AwsErrorClass classify_aws_error(AwsService service, int http_status, std::string_view code) noexcept {
  const auto name = bare_code(code);
  for (const auto& row : kTable) {
    if (row.code == name) return {row.kind, row.scope};
  }
  if (name.substr(0, 4) == "KMS.") return {kConfig, kNever};
  if (http_status >= 500 || http_status == 429 || http_status == 408 || http_status == 409)
    return {kTransient, kRequest};
  if (http_status == 412) return {kTransient, kJob};
  if (http_status == 401 || http_status == 403) return {kAccess, kNever};
  if (service == AwsService::kS3) {
    switch (http_status) {
      case 404:
        return {kNotFound, kNever};
      case 301:
        return {kConfig, kNever};
      case 307:
        return {kTransient, kRequest};
      case 413:
        return {kBadInput, kNever};
      default:
        break;
    }
  }
  return {kConfig, kNever};
}

Error aws_error(AwsService service, int http_status, std::string code, std::string request_id,
                const std::string& message) {
  const auto found = classify_aws_error(service, http_status, code);
  Error error(found.kind, message);
  error.with_retry_scope(found.scope).with_aws(http_status, std::move(code), std::move(request_id));
  return error;
}

}  // namespace txt2pdf
