// AWS credentials and the SDKs' default provider chain, in botocore's create_credential_resolver
// order (../shared/conformance/credentials/README.md): environment, web identity, shared
// credentials/config files, ECS container endpoint, IMDSv2. Assume-role, SSO and credential_process
// profiles are not supported (such a profile is skipped with its reason in the final error).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;                                        // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;  // for temporary credentials
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials, refreshed ahead of expiry. Throws Error(kAccessDenied) when no source
  // yields credentials, Error(kTransient) when a source is temporarily unreachable. Secrets never
  // appear in error messages.
  [[nodiscard]] virtual Credentials get() = 0;
  // The service said the credentials get() returned have expired (ExpiredToken): the next get()
  // must fetch new ones rather than trust the cached expiry. No-op for providers without a cache.
  virtual void invalidate() {}
};

// The default chain. `http` is used for STS, the ECS endpoint and IMDS; it must outlive the chain
// and not be in use by another thread while get() runs (HttpClient is not thread-safe). get()
// itself is thread-safe.
// Static credentials are kept for the life of the chain; temporary ones are fetched again from the
// same source when less than kRefreshAhead remains (if that fails while the old ones are still
// valid, the old ones are returned). A source that is not configured passes to the next; the
// first configured source decides: its credentials, or its error (kTransient when unreachable or
// 5xx, kAccessDenied when it refuses, kConfig when its settings are malformed). Nothing
// configured: Error(kAccessDenied) naming every source tried and why each was skipped.
[[nodiscard]] std::unique_ptr<CredentialsProvider> make_default_credentials_chain(const Environment& env,
                                                                                  HttpClient& http, Clock& clock);

inline constexpr std::chrono::minutes kRefreshAhead{5};

// ---- The chain's parts, public for tests and for callers that want one source only ----

// One source of the chain.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // Short human name for messages, e.g. "environment", "container endpoint".
  [[nodiscard]] virtual std::string name() const = 0;
  // nullopt when the source is not configured or has nothing (with the reason in `skipped_because`);
  // throws Error when it is configured but fails.
  [[nodiscard]] virtual std::optional<Credentials> fetch(std::string& skipped_because) = 0;
};

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
[[nodiscard]] std::unique_ptr<CredentialSource> make_environment_source(const Environment& env);
// [profile] in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), then in AWS_CONFIG_FILE (~/.aws/config).
[[nodiscard]] std::unique_ptr<CredentialSource> make_shared_files_source(const Environment& env);
// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN -> STS AssumeRoleWithWebIdentity (unsigned).
[[nodiscard]] std::unique_ptr<CredentialSource> make_web_identity_source(const Environment& env, HttpClient& http,
                                                                         Clock& clock);
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI (+ AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]).
[[nodiscard]] std::unique_ptr<CredentialSource> make_container_source(const Environment& env, HttpClient& http,
                                                                      Clock& clock);
// EC2 instance metadata, IMDSv2 (v1 only when the token call is refused with 404/405).
[[nodiscard]] std::unique_ptr<CredentialSource> make_imds_source(const Environment& env, HttpClient& http);

// The caching, refreshing chain over `sources` (tried in order).
[[nodiscard]] std::unique_ptr<CredentialsProvider> make_credentials_chain(
    std::vector<std::unique_ptr<CredentialSource>> sources, Clock& clock);

// ---- Pure parsers (bytes in, values out) ----

// An INI file as the AWS shared files use it: section -> key -> value. Keys are lower-cased, values
// trimmed; '#'/';' lines are comments; indented lines continue a value (nested settings) and are
// ignored here. Later duplicates win.
using IniFile = std::map<std::string, std::map<std::string, std::string>, std::less<>>;
[[nodiscard]] IniFile parse_ini(std::string_view text);

// Static keys of `section`: nullopt when the section is missing or has no aws_access_key_id and no
// aws_secret_access_key; Error(kConfig) naming `where` when only one of the two is set.
[[nodiscard]] std::optional<Credentials> credentials_from_ini(const IniFile& file, std::string_view section,
                                                              std::string_view where);

// "2024-01-01T12:00:00Z" (also with fractional seconds or a +hh:mm offset). Throws Error(kTransient)
// naming `what` when malformed (it comes from a credentials endpoint).
[[nodiscard]] std::chrono::system_clock::time_point parse_iso8601(std::string_view text, std::string_view what);

// 200 bodies of the ECS/container endpoint and of IMDS' credentials document; the STS
// AssumeRoleWithWebIdentity XML. Malformed -> Error(kTransient) that never quotes the body.
[[nodiscard]] Credentials parse_container_credentials(std::string_view body);
[[nodiscard]] Credentials parse_imds_credentials(std::string_view body);
[[nodiscard]] Credentials parse_assume_role_with_web_identity(std::string_view body);
// The Error for a non-2xx STS reply: code, message and request id from the query-protocol error XML.
[[nodiscard]] Error sts_error(int http_status, std::string_view body);
// application/x-www-form-urlencoded body of AssumeRoleWithWebIdentity.
[[nodiscard]] std::string assume_role_with_web_identity_form(std::string_view role_arn, std::string_view session_name,
                                                             std::string_view web_identity_token, int duration_seconds);

}  // namespace txt2pdf
