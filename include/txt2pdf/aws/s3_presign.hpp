// Presigned S3 GET URLs (SigV4 query signing), for links a browser follows without credentials.
// Spec: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
#pragma once

#include <chrono>
#include <string>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/s3.hpp"

namespace txt2pdf {

// Pure: the URL that GETs s3://bucket/key until `time` + `expires` (1 s to 7 days, S3's limits),
// signed with `credentials` for `region` (the object's URL follows object_url(): virtual-hosted or
// path style as configured). Only Host is signed, the payload is UNSIGNED-PAYLOAD. A session token
// is part of the URL (and of the signature). Throws Error(kInternal) for an expiry outside S3's
// limits and Error(kConfig) for a malformed endpoint.
[[nodiscard]] std::string presign_get_object(const S3Config& config, const std::string& region,
                                             const std::string& bucket, const std::string& key,
                                             const Credentials& credentials, std::chrono::system_clock::time_point time,
                                             std::chrono::seconds expires);

}  // namespace txt2pdf
