// AWS credentials and the SDKs' default provider chain (same order as botocore's
// create_credential_resolver): environment, shared files, web identity, ECS container, IMDSv2.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "txt2pdf/clock.hpp"
#include "txt2pdf/environment.hpp"
#include "txt2pdf/http.hpp"

namespace txt2pdf {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;  // for temporary credentials
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials, refreshed ahead of expiry. Throws Error(kAccessDenied) when no source
  // yields credentials, Error(kTransient) when a source is temporarily unreachable. Secrets never
  // appear in error messages.
  [[nodiscard]] virtual Credentials get() = 0;
};

// The default chain. `http` is used for STS, the ECS endpoint and IMDS; it must outlive the chain.
[[nodiscard]] std::unique_ptr<CredentialsProvider> make_default_credentials_chain(const Environment& env, HttpClient& http,
                                                                                Clock& clock);

}  // namespace txt2pdf
