#include "txt2pdf/aws/s3_presign.hpp"

#include "txt2pdf/aws/sigv4.hpp"
#include "txt2pdf/core/error.hpp"

namespace txt2pdf {

std::string presign_get_object(const S3Config& config, const std::string& region, const std::string& bucket,
                               const std::string& key, const Credentials& credentials,
                               std::chrono::system_clock::time_point time, std::chrono::seconds expires) {
  // X-Amz-Expires: "Minimum value of 1, maximum of 604800 (seven days)" (the spec above).
  if (expires.count() < 1 || expires.count() > 604800) {
    throw Error(ErrorKind::kInternal,
                "presigned URL expiry " + std::to_string(expires.count()) + " s is outside S3's 1 s .. 7 days");
  }
  HttpRequest request;
  request.method = "GET";
  request.url = object_url(config, region, bucket, key);
  sigv4::Options options = sigv4::s3_options();
  options.add_content_sha256_header = false;  // a browser sends no such header
  options.payload_hash = "UNSIGNED-PAYLOAD";
  return sigv4::presign(request, credentials, {region, "s3"}, time, expires, options).url;
}

}  // namespace txt2pdf
