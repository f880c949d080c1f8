#include "txt2pdf/aws/s3.hpp"

#include <tinyxml2.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "crypto_api.hpp"
#include "txt2pdf/aws/sigv4.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";

struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // with ":port" when given
  std::string prefix;  // path before the bucket, without a trailing '/'
};

[[nodiscard]] Endpoint parse_endpoint(const S3Config& config, const std::string& region) {
  const std::string url = config.endpoint_url.empty() ? "https://s3." + region + ".amazonaws.com" : config.endpoint_url;
  const auto scheme_end = url.find("://");
  Endpoint endpoint;
  if (scheme_end != std::string::npos) endpoint.scheme = url.substr(0, scheme_end);
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    throw Error(ErrorKind::kConfig, "S3 endpoint URL '" + url + "' does not start with http:// or https://");
  }
  const auto host_start = scheme_end + 3;
  const auto path_start = url.find_first_of("/?#", host_start);
  endpoint.host = url.substr(host_start, path_start - host_start);
  if (endpoint.host.empty()) throw Error(ErrorKind::kConfig, "S3 endpoint URL '" + url + "' has no host");
  if (path_start != std::string::npos) {
    if (url[path_start] != '/') {
      throw Error(ErrorKind::kConfig, "S3 endpoint URL '" + url + "' must not have a query or fragment");
    }
    endpoint.prefix = url.substr(path_start);
    while (!endpoint.prefix.empty() && endpoint.prefix.back() == '/') endpoint.prefix.pop_back();
  }
  return endpoint;
}

[[nodiscard]] std::string host_without_port(const std::string& host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);  // IPv6 literal
  return host.substr(0, host.rfind(':'));
}

[[nodiscard]] bool is_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto dot = std::min(text.find('.', pos), text.size());
    const auto part = text.substr(pos, dot - pos);
    if (part.empty() || part.size() > 3) return false;
    for (const char c : part) {
      if (c < '0' || c > '9') return false;
    }
    ++parts;
    pos = dot + 1;
  }
  return parts == 4;
}

// Endpoints that cannot resolve BUCKET.HOST: IP addresses and localhost (glibc resolves no
// *.localhost names), as the AWS SDKs decide for custom endpoints.
[[nodiscard]] bool host_needs_path_style(const std::string& host) {
  const std::string name = host_without_port(host);
  return name == "localhost" || is_ipv4(name) || (!name.empty() && name.front() == '[');
}

[[nodiscard]] bool valid_metadata_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

[[nodiscard]] Error with_context(const Error& error, const std::string& method, const std::string& bucket,
                                 const std::string& key) {
  Error wrapped(error.kind(), method + " s3://" + bucket + "/" + key + ": " + error.what());
  wrapped.with_retry_scope(error.retry_scope()).with_aws(error.http_status(), error.aws_code(), error.request_id());
  return wrapped;
}

}  // namespace

std::string encode_key(std::string_view key) { return sigv4::uri_encode(key, /*keep_slash=*/true); }

bool is_virtual_host_bucket(std::string_view bucket, bool https) {
  if (bucket.size() < 3 || bucket.size() > 63 || is_ipv4(bucket)) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) return false;
  for (std::size_t i = 0; i < bucket.size(); ++i) {
    const char c = bucket[i];
    if (c == '.' && (https || (i + 1 < bucket.size() && bucket[i + 1] == '.'))) return false;
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

std::string object_url(const S3Config& config, const std::string& region, const std::string& bucket,
                       const std::string& key) {
  const Endpoint endpoint = parse_endpoint(config, region);
  const bool path_style = config.force_path_style || host_needs_path_style(endpoint.host) ||
                          !is_virtual_host_bucket(bucket, endpoint.scheme == "https");
  if (path_style) {
    return endpoint.scheme + "://" + endpoint.host + endpoint.prefix + "/" + sigv4::uri_encode(bucket, false) + "/" +
           encode_key(key);
  }
  return endpoint.scheme + "://" + bucket + "." + endpoint.host + endpoint.prefix + "/" + encode_key(key);
}

std::string content_md5(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const CryptoApi& crypto = crypto_api();
  if (crypto.digest(body.data(), body.size(), digest, &size, crypto.md5(), nullptr) != 1) {
    throw Error(ErrorKind::kInternal, "OpenSSL MD5 failed");
  }
  unsigned char encoded[64] = {};
  const int length = crypto.encode_block(encoded, digest, static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(length));
}

FileDigests file_digests(int fd) {
  const CryptoApi& crypto = crypto_api();
  const auto free_context = [&crypto](EVP_MD_CTX* context) { crypto.md_ctx_free(context); };
  const std::unique_ptr<EVP_MD_CTX, decltype(free_context)> md5(crypto.md_ctx_new(), free_context);
  const std::unique_ptr<EVP_MD_CTX, decltype(free_context)> sha(crypto.md_ctx_new(), free_context);
  if (!md5 || !sha || crypto.digest_init(md5.get(), crypto.md5(), nullptr) != 1 ||
      crypto.digest_init(sha.get(), crypto.sha256(), nullptr) != 1) {
    throw Error(ErrorKind::kInternal, "OpenSSL digest initialisation failed");
  }
  FileDigests digests;
  std::vector<char> buffer(std::size_t{1} << 20);
  for (;;) {
    const auto got = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(digests.size));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      throw Error(ErrorKind::kTransient, std::string("cannot read the file to upload: ") + std::strerror(errno));
    if (got == 0) break;
    const auto bytes = static_cast<std::size_t>(got);
    if (crypto.digest_update(md5.get(), buffer.data(), bytes) != 1 ||
        crypto.digest_update(sha.get(), buffer.data(), bytes) != 1) {
      throw Error(ErrorKind::kInternal, "OpenSSL digest update failed");
    }
    digests.size += bytes;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (crypto.digest_final(md5.get(), digest, &length) != 1) throw Error(ErrorKind::kInternal, "OpenSSL MD5 failed");
  unsigned char encoded[64] = {};
  const int encoded_length = crypto.encode_block(encoded, digest, static_cast<int>(length));
  digests.content_md5.assign(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(encoded_length));
  if (crypto.digest_final(sha.get(), digest, &length) != 1) throw Error(ErrorKind::kInternal, "OpenSSL SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < length; ++i) {
    digests.sha256_hex += kHex[digest[i] >> 4];
    digests.sha256_hex += kHex[digest[i] & 0xF];
  }
  return digests;
}

std::string encode_metadata_value(std::string_view value) {
  const auto printable = [](unsigned char c) { return c >= 0x20 && c <= 0x7e; };
  bool plain = true;
  for (const char c : value) plain = plain && printable(static_cast<unsigned char>(c));
  if (plain) return std::string(value);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (printable(c) && c != '%') {
      out.push_back(ch);
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 0x0f]};
    }
  }
  return out;
}

ObjectInfo object_info_from(const HttpResponse& response) {
  ObjectInfo info;
  if (const auto length = response.header("content-length")) {
    try {
      info.size = std::stoull(*length);
    } catch (const std::exception&) {
      throw Error(ErrorKind::kTransient, "S3 sent a malformed Content-Length: '" + *length + "'");
    }
  }
  info.etag = response.header("etag").value_or("");
  info.content_type = response.header("content-type").value_or("");
  info.request_id = response.header("x-amz-request-id").value_or("");
  for (const auto& [name, value] : response.headers) {
    std::string lowered = to_lower(name);
    if (lowered.size() > kMetaPrefix.size() && lowered.compare(0, kMetaPrefix.size(), kMetaPrefix) == 0) {
      info.metadata.emplace(lowered.substr(kMetaPrefix.size()), value);
    }
  }
  return info;
}

S3Client::S3Client(AwsClient& aws, S3Config config) : aws_(aws), config_(std::move(config)) {
  (void)parse_endpoint(config_, config_.region);  // a malformed endpoint fails here, not mid-job
}

std::string S3Client::region_for(const std::string& bucket) const {
  const auto found = bucket_regions_.find(bucket);
  return found != bucket_regions_.end() ? found->second : config_.region;
}

HttpResponse S3Client::send(HttpRequest request, const std::string& bucket, const std::string& key,
                            const std::string& query) {
  const std::string region = region_for(bucket);
  const std::string suffix = query.empty() ? "" : "?" + query;
  request.url = object_url(config_, region, bucket, key) + suffix;
  std::optional<std::string> right_region;
  // A 412 (If-Match: the object changed since its ETag was read) comes back from the table with
  // RetryScope::kJob: AwsClient does not repeat it, and the job exits 75 to run again whole.
  const ErrorParser parse = [&right_region](const HttpResponse& response) {
    right_region = redirect_region(response);
    return parse_s3_error(response);
  };
  try {
    return aws_.send(request, {region, "s3"}, sigv4::s3_options(), parse);
  } catch (const Error& error) {
    const bool redirected =
        (error.http_status() == 301 || error.http_status() == 400) && right_region && *right_region != region;
    if (!redirected) throw with_context(error, request.method, bucket, key);
  }
  // The bucket lives elsewhere: sign for its region once more, and from now on.
  const std::string region_named = *right_region;
  bucket_regions_[bucket] = region_named;
  request.url = object_url(config_, region_named, bucket, key) + suffix;
  try {
    return aws_.send(request, {region_named, "s3"}, sigv4::s3_options(), parse);
  } catch (const Error& error) {
    throw with_context(error, request.method, bucket, key);
  }
}

std::optional<ObjectInfo> S3Client::head_object(const std::string& bucket, const std::string& key) {
  HttpRequest request;
  request.method = "HEAD";
  try {
    return object_info_from(send(std::move(request), bucket, key));
  } catch (const Error& error) {
    if (error.http_status() == 404) return std::nullopt;
    throw;
  }
}

ObjectInfo S3Client::get_object(const std::string& bucket, const std::string& key,
                                const std::function<void(std::string_view)>& sink, const std::string& if_match) {
  HttpRequest request;
  request.method = "GET";
  if (!if_match.empty()) request.headers.emplace_back("If-Match", if_match);
  std::uint64_t received = 0;
  request.body_sink = [&sink, &received](std::string_view chunk) {
    sink(chunk);
    received += chunk.size();
    return true;
  };
  ObjectInfo info = object_info_from(send(std::move(request), bucket, key));
  info.size = received;
  return info;
}

PutObjectResult S3Client::put_object(const PutObjectRequest& request) {
  const HttpResponse response = send(build_put_request(request), request.bucket, request.key);
  return PutObjectResult{response.header("etag").value_or(""), response.header("x-amz-request-id").value_or("")};
}

HttpRequest S3Client::build_put_request(const PutObjectRequest& request) const {
  if (request.bucket.empty() || request.key.empty()) {
    throw Error(ErrorKind::kInternal,
                "PUT needs a bucket and a key (got s3://" + request.bucket + "/" + request.key + ")");
  }
  HttpRequest http;
  http.method = "PUT";
  http.url = object_url(config_, region_for(request.bucket), request.bucket, request.key);
  if (request.body_fd >= 0) {
    const auto digests = file_digests(request.body_fd);
    http.body_fd = request.body_fd;
    http.body_fd_size = digests.size;
    if (!request.content_type.empty()) http.headers.emplace_back("Content-Type", request.content_type);
    http.headers.emplace_back("Content-MD5", digests.content_md5);
    http.headers.emplace_back("x-amz-content-sha256", digests.sha256_hex);
  } else {
    http.body = request.body;
    if (!request.content_type.empty()) http.headers.emplace_back("Content-Type", request.content_type);
    http.headers.emplace_back("Content-MD5", content_md5(request.body));
  }
  if (request.sse == SseMode::kAes256) {
    http.headers.emplace_back("x-amz-server-side-encryption", "AES256");
  } else if (request.sse == SseMode::kKms) {
    http.headers.emplace_back("x-amz-server-side-encryption", "aws:kms");
    if (!request.kms_key_id.empty()) {
      http.headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", request.kms_key_id);
    }
  }
  for (const auto& [name, value] : request.metadata) {
    if (!valid_metadata_name(name)) {
      throw Error(ErrorKind::kInternal, "metadata name '" + name + "' for s3://" + request.bucket + "/" + request.key +
                                            " is not letters, digits, '-', '_' or '.'");
    }
    http.headers.emplace_back(std::string(kMetaPrefix) + to_lower(name), encode_metadata_value(value));
  }
  return http;
}

// ---------------------------------------------------------------------------- ListObjectsV2

namespace {

[[nodiscard]] std::string xml_child_text(const tinyxml2::XMLElement& parent, const char* name) {
  const tinyxml2::XMLElement* child = parent.FirstChildElement(name);
  const char* text = child != nullptr ? child->GetText() : nullptr;
  return text != nullptr ? text : "";
}

}  // namespace

std::string url_decode_listing_value(std::string_view encoded) {
  auto decoded = form_url_decode_once(encoded);
  if (!decoded) throw Error(ErrorKind::kTransient, "S3 listing: bad %-escape in \"" + std::string(encoded) + "\"");
  return std::move(*decoded);
}

std::string list_objects_query(const ListObjectsInput& input) {
  if (input.max_keys < 1 || input.max_keys > 1000) {
    throw Error(ErrorKind::kInternal, "ListObjectsV2 max-keys " + std::to_string(input.max_keys) + " is not 1..1000");
  }
  // In the canonical order (sorted by name), which is also the order SigV4 signs them in.
  std::string query;
  const auto add = [&query](const char* name, const std::string& value) {
    if (!query.empty()) query += '&';
    query += name;
    query += '=';
    query += sigv4::uri_encode(value, /*keep_slash=*/false);
  };
  if (!input.continuation_token.empty()) add("continuation-token", input.continuation_token);
  add("encoding-type", "url");
  add("list-type", "2");
  add("max-keys", std::to_string(input.max_keys));
  if (!input.prefix.empty()) add("prefix", input.prefix);
  if (!input.start_after.empty() && input.continuation_token.empty()) add("start-after", input.start_after);
  return query;
}

ListObjectsPage parse_list_objects_response(std::string_view xml) {
  tinyxml2::XMLDocument document;
  if (document.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) {
    throw Error(ErrorKind::kTransient, "S3 ListObjectsV2: reply is not XML");
  }
  const tinyxml2::XMLElement* root = document.FirstChildElement("ListBucketResult");
  if (root == nullptr) throw Error(ErrorKind::kTransient, "S3 ListObjectsV2: reply is not a ListBucketResult");
  const bool encoded = xml_child_text(*root, "EncodingType") == "url";
  ListObjectsPage page;
  page.truncated = xml_child_text(*root, "IsTruncated") == "true";
  page.next_continuation_token = xml_child_text(*root, "NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    throw Error(ErrorKind::kTransient, "S3 ListObjectsV2: truncated reply without NextContinuationToken");
  }
  for (const auto* item = root->FirstChildElement("Contents"); item != nullptr;
       item = item->NextSiblingElement("Contents")) {
    ListedObject object;
    const auto key = xml_child_text(*item, "Key");
    object.key = encoded ? url_decode_listing_value(key) : key;
    if (object.key.empty()) throw Error(ErrorKind::kTransient, "S3 ListObjectsV2: an entry has no Key");
    object.etag = xml_child_text(*item, "ETag");
    object.last_modified = xml_child_text(*item, "LastModified");
    const auto size = xml_child_text(*item, "Size");
    try {
      object.size = size.empty() ? 0 : std::stoull(size);
    } catch (const std::exception&) {
      throw Error(ErrorKind::kTransient, "S3 ListObjectsV2: malformed Size '" + size + "'");
    }
    page.objects.push_back(std::move(object));
  }
  return page;
}

ListObjectsPage S3Client::list_objects(const ListObjectsInput& input) {
  if (input.bucket.empty()) throw Error(ErrorKind::kInternal, "ListObjectsV2 needs a bucket");
  HttpRequest request;
  request.method = "GET";
  return parse_list_objects_response(send(std::move(request), input.bucket, "", list_objects_query(input)).body);
}

}  // namespace txt2pdf
