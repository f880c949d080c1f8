#include "txt2pdf/aws/s3_errors.hpp"

#include <tinyxml2.h>

#include "txt2pdf/aws/aws_errors.hpp"

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

}  // namespace

ErrorKind s3_error_kind(int http_status, std::string_view code) {
  return classify_aws_error(AwsService::kS3, http_status, code).kind;
}

Error parse_s3_error(const HttpResponse& response) {
  const ErrorXml xml = parse_error_xml(response.body);
  std::string code = xml.code.empty() ? std::to_string(response.status) : xml.code;
  std::string request_id = xml.request_id.empty() ? response.header("x-amz-request-id").value_or("") : xml.request_id;
  std::string message = xml.code.empty() ? "HTTP " + std::to_string(response.status) + " without an S3 error body"
                                         : xml.code + (xml.message.empty() ? "" : ": " + xml.message) + " (HTTP " +
                                               std::to_string(response.status) + ")";
  // Classified by the reply's own code (empty without a body: the status decides), reported with
  // the status number as the code then, as botocore does.
  const auto found = classify_aws_error(AwsService::kS3, response.status, xml.code);
  Error error(found.kind, message);
  error.with_retry_scope(found.scope).with_aws(response.status, std::move(code), std::move(request_id));
  return error;
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
