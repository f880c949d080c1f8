// SigV4 signing: canonical request -> string to sign -> HMAC chain -> Authorization.
// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// S3 differences: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
#include "txt2pdf/aws/sigv4.hpp"

#include <algorithm>
#include <ctime>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto_api.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf::sigv4 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kHexDigits = "0123456789abcdef";

// Headers that proxies and HTTP stacks may add or rewrite after signing (botocore leaves the same
// ones out); signing them would make the signature fragile.
constexpr std::string_view kUnsignedHeaders[] = {"authorization", "user-agent", "expect", "x-amzn-trace-id"};

std::string to_hex(const unsigned char* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHexDigits[data[i] >> 4U]);
    out.push_back(kHexDigits[data[i] & 0x0FU]);
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const CryptoApi& crypto = crypto_api();
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (crypto.hmac(crypto.sha256(), key.data(), static_cast<int>(key.size()), bytes, data.size(), out, &size) ==
      nullptr) {
    throw Error(ErrorKind::kInternal, "OpenSSL HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr std::string_view kUpperHex = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(kUpperHex[c >> 4U]);
  out.push_back(kUpperHex[c & 0x0FU]);
}

// Re-encodes a path that is already percent-encoded on the wire ("as sent", S3): valid escapes
// are kept (hex upper-cased), any other byte outside the unreserved set and '/' is escaped.
std::string encode_as_sent(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%' && i + 2 < path.size() && hex_digit_value(path[i + 1]) >= 0 && hex_digit_value(path[i + 2]) >= 0) {
      append_escape(out, static_cast<unsigned char>(hex_digit_value(path[i + 1]) * 16 + hex_digit_value(path[i + 2])));
      i += 2;
    } else if (is_unreserved(c) || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      append_escape(out, c);
    }
  }
  return out;
}

struct UrlParts {
  std::string scheme;
  std::string authority;
  std::string path;
  std::string query;
};

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  const auto fragment = url.find('#');
  if (fragment != std::string_view::npos) url = url.substr(0, fragment);
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    parts.scheme = to_lower(url.substr(0, scheme_end));
    url.remove_prefix(scheme_end + 3);
    const auto authority_end = url.find_first_of("/?");
    parts.authority = std::string(url.substr(0, authority_end));
    url = authority_end == std::string_view::npos ? std::string_view() : url.substr(authority_end);
  }
  const auto query_start = url.find('?');
  parts.path = std::string(url.substr(0, query_start));
  if (query_start != std::string_view::npos) parts.query = std::string(url.substr(query_start + 1));
  return parts;
}

// The Host header value for a URL: the authority without user info and without the scheme's
// default port (what curl sends).
std::string host_from(const UrlParts& url) {
  std::string host = url.authority;
  const auto at = host.rfind('@');
  if (at != std::string::npos) host.erase(0, at + 1);
  const auto colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    const std::string port = host.substr(colon + 1);
    if ((url.scheme == "http" && port == "80") || (url.scheme == "https" && port == "443")) host.erase(colon);
  }
  return host;
}

// RFC 3986 section 5.2.4 dot-segment removal plus collapsing of empty segments ("//"), keeping a
// trailing slash: what the generic SigV4 suite expects for non-S3 services.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const auto segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  const bool trailing = !path.empty() && (path.back() == '/' || path.substr(path.rfind('/') + 1) == "." ||
                                          path.substr(path.rfind('/') + 1) == "..");
  if (out.empty() || trailing) out.push_back('/');
  return out;
}

std::string canonical_uri(const std::string& path, const Options& options) {
  std::string source = path.empty() ? std::string("/") : path;
  if (options.normalize_path) source = normalize_path(source);
  return options.double_encode_path ? uri_encode(source, true) : encode_as_sent(source);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const auto pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const auto equals = pair.find('=');
      const auto name = pair.substr(0, equals);
      const auto value = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
      params.emplace_back(uri_encode(percent_decode(name), false), uri_encode(percent_decode(value), false));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

// Trims the value and collapses inner runs of whitespace (folded lines included) to one space.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" lines
  std::string signed_names;  // "name;name"
};

CanonicalHeaders canonical_headers(const Headers& headers) {
  std::vector<std::pair<std::string, std::string>> lowered;
  for (const auto& [name, value] : headers) {
    auto lower = to_lower(name);
    if (std::find(std::begin(kUnsignedHeaders), std::end(kUnsignedHeaders), lower) != std::end(kUnsignedHeaders)) {
      continue;
    }
    lowered.emplace_back(std::move(lower), canonical_header_value(value));
  }
  // Stable: values of a repeated header keep their order, joined by ','.
  std::stable_sort(lowered.begin(), lowered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (size_t i = 0; i < lowered.size(); ++i) {
    if (i > 0 && lowered[i].first == lowered[i - 1].first) {
      out.block.back() = ',';
      out.block += lowered[i].second + "\n";
      continue;
    }
    if (!out.signed_names.empty()) out.signed_names.push_back(';');
    out.signed_names += lowered[i].first;
    out.block += lowered[i].first + ":" + lowered[i].second + "\n";
  }
  return out;
}

std::optional<std::string> header_value(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

// Replaces the first header named `name` (dropping further ones) or appends it.
void set_header(Headers& headers, std::string_view name, const std::string& value) {
  bool found = false;
  for (auto it = headers.begin(); it != headers.end();) {
    if (!iequals(it->first, name)) {
      ++it;
    } else if (!found) {
      it->second = value;
      found = true;
      ++it;
    } else {
      it = headers.erase(it);
    }
  }
  if (!found) headers.emplace_back(std::string(name), value);
}

void remove_header(Headers& headers, std::string_view name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [name](const auto& header) { return iequals(header.first, name); }),
                headers.end());
}

std::string payload_hash_for(const HttpRequest& request, const Options& options) {
  if (!options.payload_hash.empty()) return options.payload_hash;
  if (auto declared = header_value(request.headers, "x-amz-content-sha256")) return *declared;
  return sha256_hex(request.body);
}

}  // namespace

Options s3_options() {
  Options options;
  options.normalize_path = false;
  options.double_encode_path = false;
  options.add_content_sha256_header = true;
  return options;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const CryptoApi& crypto = crypto_api();
  if (crypto.digest(data.data(), data.size(), digest, &size, crypto.sha256(), nullptr) != 1) {
    throw Error(ErrorKind::kInternal, "OpenSSL SHA-256 failed");
  }
  return to_hex(digest, size);
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      append_escape(out, c);
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const size_t size = std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return std::string(buffer, size);
}

Stages compute_stages(const HttpRequest& request, const Credentials& credentials, const Scope& scope,
                      std::chrono::system_clock::time_point time, const Options& options) {
  const UrlParts url = split_url(request.url);
  const CanonicalHeaders headers = canonical_headers(request.headers);
  Stages stages;
  stages.canonical_request = request.method + "\n" + canonical_uri(url.path, options) + "\n" +
                             canonical_query(url.query) + "\n" + headers.block + "\n" + headers.signed_names + "\n" +
                             payload_hash_for(request, options);

  const std::string timestamp = amz_date(time);
  const std::string date = timestamp.substr(0, 8);
  const std::string credential_scope = date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  stages.string_to_sign = std::string(kAlgorithm) + "\n" + timestamp + "\n" + credential_scope + "\n" +
                          sha256_hex(stages.canonical_request);

  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
  key = hmac_sha256(key, scope.region);
  key = hmac_sha256(key, scope.service);
  key = hmac_sha256(key, "aws4_request");
  const std::string signature = hmac_sha256(key, stages.string_to_sign);
  stages.signature = to_hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());

  stages.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + credential_scope +
                         ", SignedHeaders=" + headers.signed_names + ", Signature=" + stages.signature;
  return stages;
}

Presigned presign(const HttpRequest& request, const Credentials& credentials, const Scope& scope,
                  std::chrono::system_clock::time_point time, std::chrono::seconds expires, const Options& options) {
  HttpRequest copy = request;
  if (!header_value(copy.headers, "host")) copy.headers.emplace_back("Host", host_from(split_url(copy.url)));
  const std::string timestamp = amz_date(time);
  const std::string credential = credentials.access_key_id + "/" + timestamp.substr(0, 8) + "/" + scope.region + "/" +
                                 scope.service + "/aws4_request";
  std::string added = "X-Amz-Algorithm=" + std::string(kAlgorithm) +
                      "&X-Amz-Credential=" + uri_encode(credential, false) + "&X-Amz-Date=" + timestamp +
                      "&X-Amz-Expires=" + std::to_string(expires.count()) +
                      "&X-Amz-SignedHeaders=" + uri_encode(canonical_headers(copy.headers).signed_names, false);
  const std::string token =
      credentials.session_token.empty() ? "" : "&X-Amz-Security-Token=" + uri_encode(credentials.session_token, false);
  if (options.sign_session_token) added += token;

  std::string url = request.url.substr(0, request.url.find('#'));
  const auto question = url.find('?');
  url += question == std::string::npos ? "?" : (question + 1 == url.size() || url.back() == '&' ? "" : "&");
  copy.url = url + added;
  Presigned presigned;
  presigned.stages = compute_stages(copy, credentials, scope, time, options);
  presigned.stages.authorization.clear();
  presigned.url =
      copy.url + (options.sign_session_token ? "" : token) + "&X-Amz-Signature=" + presigned.stages.signature;
  return presigned;
}

void prepare(HttpRequest& request, const Credentials& credentials, std::chrono::system_clock::time_point time,
             const Options& options) {
  if (!header_value(request.headers, "host")) {
    const std::string host = host_from(split_url(request.url));
    if (host.empty()) throw Error(ErrorKind::kInternal, "cannot sign a request whose URL has no host: " + request.url);
    request.headers.emplace_back("Host", host);
  }
  set_header(request.headers, "X-Amz-Date", amz_date(time));
  if (!credentials.session_token.empty() && options.sign_session_token) {
    set_header(request.headers, "X-Amz-Security-Token", credentials.session_token);
  } else if (!options.sign_session_token) {
    remove_header(request.headers, "X-Amz-Security-Token");  // added after signing, by sign()
  }
  if (options.add_content_sha256_header) {
    set_header(request.headers, "x-amz-content-sha256", payload_hash_for(request, options));
  }
}

void sign(HttpRequest& request, const Credentials& credentials, const Scope& scope,
          std::chrono::system_clock::time_point time, const Options& options) {
  prepare(request, credentials, time, options);
  // A stale Authorization from an earlier attempt must not be part of the new signature.
  remove_header(request.headers, "Authorization");
  const Stages stages = compute_stages(request, credentials, scope, time, options);
  request.headers.emplace_back("Authorization", stages.authorization);
  if (!credentials.session_token.empty() && !options.sign_session_token) {
    set_header(request.headers, "X-Amz-Security-Token", credentials.session_token);
  }
}

}  // namespace txt2pdf::sigv4
