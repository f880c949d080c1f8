// The S3 operations the job needs (HEAD, streaming GET, PUT) over AwsClient, plus the pure pieces
// (URLs, key encoding, the PUT request) exposed for tests. Errors: s3_errors.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/aws/s3_errors.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf {

struct S3Config {
  std::string region = "us-east-1";
  std::string endpoint_url;  // empty: https://s3.REGION.amazonaws.com
  bool force_path_style = false;
};

struct ObjectInfo {
  std::uint64_t size = 0;  // HEAD: Content-Length; GET: bytes handed to the sink
  std::string etag;        // with quotes as S3 sends it
  std::string content_type;
  std::map<std::string, std::string> metadata;  // x-amz-meta-* names lower-cased WITHOUT the prefix
  std::string request_id;
};

enum class SseMode { kNone, kAes256, kKms };

struct PutObjectRequest {
  std::string bucket, key;
  std::string body;
  std::string content_type;
  SseMode sse = SseMode::kAes256;
  std::string kms_key_id;  // kKms only; empty: the account's default aws/s3 key
  // Names without x-amz-meta- (letters, digits, '-', '_', '.'; sent lower-cased). S3 metadata is
  // US-ASCII: a value with other bytes is sent through encode_metadata_value().
  std::map<std::string, std::string> metadata;
  // When >= 0, the body is this open file instead (read from offset 0 to its end, streamed: never
  // held in memory; its Content-MD5 and SHA-256 are computed in one pass before the upload).
  int body_fd = -1;
};

struct PutObjectResult {
  std::string etag;
  std::string request_id;
};

// ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), always
// with encoding-type=url so that any key (control characters included) survives the XML.
struct ListObjectsInput {
  std::string bucket;
  std::string prefix;
  std::string continuation_token;  // NextContinuationToken of the previous page; empty: first page
  std::string start_after;         // first page only: keys after this one (a resumed listing)
  int max_keys = 1000;             // 1..1000 (S3 never sends more than 1000)
};

struct ListedObject {
  std::string key;  // decoded exactly once: the key S3 stores
  std::uint64_t size = 0;
  std::string etag;  // with quotes as S3 sends it
  std::string last_modified;
};

struct ListObjectsPage {
  std::vector<ListedObject> objects;  // in S3's order (UTF-8 binary order of the keys)
  bool truncated = false;
  std::string next_continuation_token;  // set when truncated
};

class S3Client {
 public:
  // Throws Error(kConfig) when config.endpoint_url is not an http(s) URL. `aws` must outlive this.
  S3Client(AwsClient& aws, S3Config config);

  // nullopt on 404 (HEAD has no body: missing key or bucket alike); throws Error otherwise.
  [[nodiscard]] std::optional<ObjectInfo> head_object(const std::string& bucket, const std::string& key);
  // Streams the body into `sink` (exceptions it throws propagate unchanged); `if_match` (an ETag)
  // makes S3 answer 412 if the object changed -> Error(kTransient), at once (no retry can help).
  // Throws Error(kNotFound) for
  // NoSuchKey/NoSuchBucket. Not retried once some bytes reached the sink (see AwsClient::send).
  ObjectInfo get_object(const std::string& bucket, const std::string& key,
                        const std::function<void(std::string_view)>& sink, const std::string& if_match = "");
  [[nodiscard]] PutObjectResult put_object(const PutObjectRequest& request);
  // Pure: the unsigned HttpRequest for a PUT (method, URL, headers incl. Content-Type, Content-MD5
  // (base64 MD5), x-amz-server-side-encryption[-aws-kms-key-id], x-amz-meta-*), exposed for tests.
  // Throws Error(kInternal) for an empty bucket or key or a metadata name S3 cannot take.
  [[nodiscard]] HttpRequest build_put_request(const PutObjectRequest& request) const;
  // One page of ListObjectsV2. Throws Error (kNotFound for NoSuchBucket, kAccessDenied...).
  [[nodiscard]] ListObjectsPage list_objects(const ListObjectsInput& input);

  // The region requests for `bucket` are signed for: the configured one, or the one S3 named in
  // a wrong-region reply (each such reply is followed by one retry in the named region).
  [[nodiscard]] std::string region_for(const std::string& bucket) const;

 private:
  // Sends to the bucket's region, retrying once in the region a wrong-region reply names. A 412
  // (failed precondition) is thrown at once: the same request cannot succeed later.
  // `query` (already encoded, without '?') is appended to the URL: bucket sub-resources.
  HttpResponse send(HttpRequest request, const std::string& bucket, const std::string& key,
                    const std::string& query = "");

  AwsClient& aws_;
  S3Config config_;
  std::map<std::string, std::string> bucket_regions_;
};

// Pure helpers, tested.
// Every byte but RFC 3986 unreserved characters and '/' percent-encoded; the key is taken
// literally (spaces, '+', '%', '=', unicode and '//' all survive).
[[nodiscard]] std::string encode_key(std::string_view key);
// Whether `bucket` can be the first label of a host name: 3-63 of [a-z0-9.-], starting and ending
// with a letter or digit, no "..", not an IPv4 address, and no '.' at all over https (the
// *.s3.amazonaws.com certificate matches one label only).
[[nodiscard]] bool is_virtual_host_bucket(std::string_view bucket, bool https);
// The object's URL: https://BUCKET.s3.REGION.amazonaws.com/KEY (virtual-hosted) or ENDPOINT/BUCKET/KEY
// (path style: forced, an IP address or "localhost" endpoint, or a bucket unfit for a host name).
// `region` only matters without an endpoint_url. Throws Error(kConfig) for a malformed endpoint.
[[nodiscard]] std::string object_url(const S3Config& config, const std::string& region, const std::string& bucket,
                                     const std::string& key);
// Base64 of the MD5 of `body` (the Content-MD5 header).
[[nodiscard]] std::string content_md5(std::string_view body);
// What an upload from a file needs to know of it, read once with pread from offset 0.
struct FileDigests {
  std::uint64_t size = 0;
  std::string content_md5;  // base64, as content_md5()
  std::string sha256_hex;   // the x-amz-content-sha256 value
};
// Throws Error(kTransient) naming errno when the file cannot be read.
[[nodiscard]] FileDigests file_digests(int fd);
// `value` unchanged when it is printable US-ASCII; otherwise its bytes outside 0x20-0x7E and '%'
// percent-encoded, so that it survives as S3 metadata and can be decoded back.
[[nodiscard]] std::string encode_metadata_value(std::string_view value);
// Size, ETag, Content-Type, x-amz-meta-* and request id of a HEAD/GET reply.
[[nodiscard]] ObjectInfo object_info_from(const HttpResponse& response);
// The query string of a ListObjectsV2 request (list-type=2, encoding-type=url, max-keys, prefix,
// continuation-token, start-after; values URI-encoded), without '?'. Throws Error(kInternal) for
// max_keys outside 1..1000.
[[nodiscard]] std::string list_objects_query(const ListObjectsInput& input);
// A ListBucketResult document. Keys are URL-decoded once when EncodingType is "url" ('+' is a
// space, as S3 and botocore's unquote_plus have it). Throws Error(kTransient) for a body that is
// not a ListBucketResult (a truncated reply is worth another try).
[[nodiscard]] ListObjectsPage parse_list_objects_response(std::string_view xml);
// application/x-www-form-urlencoded decoding ('+' -> space, %XX -> byte). Throws Error(kTransient)
// on a malformed escape (S3 does not send one). The decoding itself is core/strings'
// form_url_decode_once, shared with the event parser's form_url_decode.
[[nodiscard]] std::string url_decode_listing_value(std::string_view encoded);

}  // namespace txt2pdf
