#include "txt2pdf/aws/s3_errors.hpp"

#include <tinyxml2.h>

#include <array>

namespace txt2pdf {
namespace {

struct ErrorXml {
  std::string code;
  std::string message;
  std::string request_id;
  std::string region;
};

[[nodiscard]] std::string child_text(const tinyxml2::XMLElement& parent, const char* name) {
  const tinyxml2::XMLElement* child = parent.FirstChildElement(name);
  const char* text = child != nullptr ? child->GetText() : nullptr;
  return text != nullptr ? text : "";
}

[[nodiscard]] ErrorXml parse_error_xml(const std::string& body) {
  ErrorXml parsed;
  if (body.empty()) return parsed;
  tinyxml2::XMLDocument document;
  if (document.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) return parsed;
  const tinyxml2::XMLElement* root = document.FirstChildElement("Error");
  if (root == nullptr) return parsed;
  parsed.code = child_text(*root, "Code");
  parsed.message = child_text(*root, "Message");
  parsed.request_id = child_text(*root, "RequestId");
  parsed.region = child_text(*root, "Region");
  return parsed;
}

template <std::size_t N>
[[nodiscard]] bool one_of(std::string_view code, const std::array<std::string_view, N>& codes) {
  for (const auto candidate : codes) {
    if (candidate == code) return true;
  }
  return false;
}

constexpr std::array<std::string_view, 3> kNotFoundCodes{"NoSuchKey", "NoSuchBucket", "NoSuchVersion"};
constexpr std::array<std::string_view, 8> kAccessCodes{"AccessDenied",   "InvalidAccessKeyId", "SignatureDoesNotMatch",
                                                       "ExpiredToken",   "InvalidToken",       "TokenRefreshRequired",
                                                       "AccountProblem", "AllAccessDisabled"};
constexpr std::array<std::string_view, 16> kTransientCodes{"InternalError",
                                                           "ServiceUnavailable",
                                                           "SlowDown",
                                                           "Throttling",
                                                           "ThrottlingException",
                                                           "RequestLimitExceeded",
                                                           "BandwidthLimitExceeded",
                                                           "RequestTimeout",
                                                           "RequestTimeTooSkewed",
                                                           "PreconditionFailed",
                                                           "BadDigest",
                                                           "XAmzContentSHA256Mismatch",
                                                           "OperationAborted",
                                                           "TemporaryRedirect",
                                                           "IncompleteBody",
                                                           "RequestThrottled"};
constexpr std::array<std::string_view, 4> kBadInputCodes{"EntityTooLarge", "KeyTooLongError", "MetadataTooLarge",
                                                         "InvalidObjectState"};
constexpr std::array<std::string_view, 6> kConfigCodes{"PermanentRedirect",
                                                       "AuthorizationHeaderMalformed",
                                                       "IllegalLocationConstraintException",
                                                       "InvalidBucketName",
                                                       "InvalidRequest",
                                                       "InvalidArgument"};

}  // namespace

ErrorKind s3_error_kind(int http_status, std::string_view code) {
  if (one_of(code, kNotFoundCodes)) return ErrorKind::kNotFound;
  if (one_of(code, kAccessCodes)) return ErrorKind::kAccessDenied;
  if (one_of(code, kTransientCodes)) return ErrorKind::kTransient;
  if (one_of(code, kBadInputCodes)) return ErrorKind::kBadInput;
  if (one_of(code, kConfigCodes) || code.rfind("KMS.", 0) == 0) return ErrorKind::kConfig;
  switch (http_status) {
    case 404:
      return ErrorKind::kNotFound;
    case 403:
      return ErrorKind::kAccessDenied;
    case 301:
      return ErrorKind::kConfig;
    case 307:
    case 408:
    case 409:
    case 412:
    case 429:
      return ErrorKind::kTransient;
    case 413:
      return ErrorKind::kBadInput;
    default:
      return http_status >= 500 ? ErrorKind::kTransient : ErrorKind::kInternal;
  }
}

Error parse_s3_error(const HttpResponse& response) {
  const ErrorXml xml = parse_error_xml(response.body);
  std::string code = xml.code.empty() ? std::to_string(response.status) : xml.code;
  std::string request_id = xml.request_id.empty() ? response.header("x-amz-request-id").value_or("") : xml.request_id;
  std::string message = xml.code.empty() ? "HTTP " + std::to_string(response.status) + " without an S3 error body"
                                         : xml.code + (xml.message.empty() ? "" : ": " + xml.message) + " (HTTP " +
                                               std::to_string(response.status) + ")";
  return Error(s3_error_kind(response.status, xml.code), message)
      .with_aws(response.status, std::move(code), std::move(request_id));
}

std::optional<std::string> redirect_region(const HttpResponse& response) {
  const ErrorXml xml = parse_error_xml(response.body);
  const bool wrong_region =
      response.status == 301 || (response.status == 400 && (xml.code == "AuthorizationHeaderMalformed" ||
                                                            (response.body.empty() && xml.code.empty())));
  if (!wrong_region) return std::nullopt;
  if (auto header = response.header("x-amz-bucket-region"); header && !header->empty()) return header;
  if (!xml.region.empty()) return xml.region;
  return std::nullopt;
}

}  // namespace txt2pdf
