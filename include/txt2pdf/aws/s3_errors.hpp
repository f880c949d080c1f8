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
// classify_aws_error(AwsService::kS3, ...) in aws_errors.hpp, the one table for every service.
[[nodiscard]] ErrorKind s3_error_kind(int http_status, std::string_view code);

// A non-2xx reply as an Error: kind and retry scope from the table (412 PreconditionFailed:
// kTransient with RetryScope::kJob, so AwsClient does not repeat the request), status, Code (for a bodiless reply the
// status number, as botocore does), RequestId (the x-amz-request-id header when there is no body), and a message "Code:
// Message (HTTP status)". Never throws; a body that is not S3 error XML is ignored.
[[nodiscard]] Error parse_s3_error(const HttpResponse& response);

// For a wrong-region reply (301, or 400 AuthorizationHeaderMalformed / bodiless 400 to HEAD), the
// bucket's region from the x-amz-bucket-region header or the <Region> element; nullopt otherwise.
[[nodiscard]] std::optional<std::string> redirect_region(const HttpResponse& response);

}  // namespace txt2pdf
