// S3's error replies (REST-XML: <Error><Code/><Message/><RequestId/>...</Error>) as txt2pdf::Error,
// and the wrong-region replies S3Client answers by signing again for the bucket's region.
// Samples: ../shared/conformance/s3-errors/. Codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf {

// The kind for an S3 error code (empty when the reply had no body, e.g. HEAD) and HTTP status:
//   kNotFound      NoSuchKey, NoSuchBucket, NoSuchVersion; any other 404
//   kAccessDenied  AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken, InvalidToken,
//                  TokenRefreshRequired, AccountProblem, AllAccessDisabled; any other 403
//   kTransient     InternalError, ServiceUnavailable, SlowDown and the throttling codes, RequestTimeout,
//                  RequestTimeTooSkewed (AwsClient corrects the clock first), PreconditionFailed/412 (the
//                  object changed under us), BadDigest and XAmzContentSHA256Mismatch (body damaged on the
//                  way), OperationAborted/409, TemporaryRedirect/307, 408, 429, any 5xx
//   kBadInput      EntityTooLarge, KeyTooLongError, MetadataTooLarge, InvalidObjectState (archived object), 413:
//                  the object (or the PDF made from it) is what S3 refuses
//   kConfig        PermanentRedirect/301 and AuthorizationHeaderMalformed (wrong region, when not corrected),
//                  InvalidBucketName, InvalidRequest and InvalidArgument (SSE/KMS settings), KMS.*: settings
//   kInternal      anything else (another 4xx means we sent a malformed request: a bug)
[[nodiscard]] ErrorKind s3_error_kind(int http_status, std::string_view code);

// A non-2xx reply as an Error: kind above, status, Code (for a bodiless reply the status number,
// as botocore does), RequestId (the x-amz-request-id header when there is no body), and a message
// "Code: Message (HTTP status)". Never throws; a body that is not S3 error XML is ignored.
[[nodiscard]] Error parse_s3_error(const HttpResponse& response);

// For a wrong-region reply (301, or 400 AuthorizationHeaderMalformed / bodiless 400 to HEAD), the
// bucket's region from the x-amz-bucket-region header or the <Region> element; nullopt otherwise.
[[nodiscard]] std::optional<std::string> redirect_region(const HttpResponse& response);

}  // namespace txt2pdf
