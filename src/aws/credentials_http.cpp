// The credential sources that ask an HTTP endpoint: STS AssumeRoleWithWebIdentity (EKS/IRSA), the
// ECS/Fargate/Batch container endpoint and EC2 instance metadata (IMDSv2). Endpoints, headers and
// retry counts follow botocore (credentials.py, utils.py); see ../shared/conformance/credentials/.
// Messages never quote a reply body or an authorization token.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

constexpr std::chrono::milliseconds kRetryPause{1000};

std::string read_file_or_throw(const std::string& path, const char* variable) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kConfig, std::string(variable) + " names " + path + ", which cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Sends `request` up to `attempts` times, pausing between tries, while no reply arrives or the
// reply is a 5xx. Returns the last reply; rethrows the last transport error.
HttpResponse send_with_retries(HttpClient& http, Clock& clock, const HttpRequest& request, int attempts) {
  for (int attempt = 1;; ++attempt) {
    try {
      HttpResponse response = http.send(request);
      if (response.status < 500 || attempt >= attempts) return response;
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::kTransient || attempt >= attempts) throw;
    }
    if (!clock.sleep_for(kRetryPause)) throw Error(ErrorKind::kCancelled, "stopped while fetching credentials");
  }
}

// ---- Web identity ----

class WebIdentitySource final : public CredentialSource {
 public:
  WebIdentitySource(const Environment& env, HttpClient& http, Clock& clock)
      : token_file_(lookup(env, "AWS_WEB_IDENTITY_TOKEN_FILE")),
        role_arn_(lookup(env, "AWS_ROLE_ARN")),
        session_name_(lookup(env, "AWS_ROLE_SESSION_NAME")),
        endpoint_(sts_endpoint(env)),
        http_(http),
        clock_(clock) {}

  std::string name() const override { return "web identity"; }

  std::optional<Credentials> fetch(std::string& skipped_because) override {
    if (!token_file_ && !role_arn_) {
      skipped_because = "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN not set";
      return std::nullopt;
    }
    if (!token_file_ || !role_arn_) {
      throw Error(ErrorKind::kConfig, token_file_ ? "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"
                                                  : "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not");
    }
    // Re-read on every fetch: the orchestrator rotates the projected token file.
    const std::string token(trim(read_file_or_throw(*token_file_, "AWS_WEB_IDENTITY_TOKEN_FILE")));
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    HttpRequest request;
    request.method = "POST";
    request.url = endpoint_;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = assume_role_with_web_identity_form(
        *role_arn_, session_name_.value_or("txt2pdf-" + std::to_string(seconds)), token, 3600);
    request.timeout = std::chrono::seconds(10);
    const HttpResponse response = send_with_retries(http_, clock_, request, 3);
    if (response.status != 200) throw sts_error(response.status, response.body);
    return parse_assume_role_with_web_identity(response.body);
  }

 private:
  static std::string sts_endpoint(const Environment& env) {
    auto endpoint = lookup(env, "AWS_ENDPOINT_URL_STS");
    if (!endpoint) endpoint = lookup(env, "AWS_ENDPOINT_URL");
    if (!endpoint) {
      const auto region = lookup(env, "AWS_REGION").value_or(lookup(env, "AWS_DEFAULT_REGION").value_or(""));
      endpoint = region.empty() ? "https://sts.amazonaws.com" : "https://sts." + region + ".amazonaws.com";
    }
    while (!endpoint->empty() && endpoint->back() == '/') endpoint->pop_back();
    return *endpoint + "/";
  }

  std::optional<std::string> token_file_;
  std::optional<std::string> role_arn_;
  std::optional<std::string> session_name_;
  std::string endpoint_;
  HttpClient& http_;
  Clock& clock_;
};

// ---- Container endpoint ----

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  const auto end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (!authority.empty() && authority.front() == '[') return to_lower(authority.substr(0, authority.find(']') + 1));
  return to_lower(authority.substr(0, authority.rfind(':')));
}

// botocore's rule: a full URI over plain http may only point at the container agents' link-local
// addresses or at loopback, so that the token cannot be sent across a network.
bool allowed_full_uri(const std::string& url) {
  const std::string scheme = to_lower(url.substr(0, url.find("://")));
  if (scheme == "https") return true;
  if (scheme != "http") return false;
  const std::string host = host_of(url);
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0 || host == "169.254.170.2" ||
         host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

class ContainerSource final : public CredentialSource {
 public:
  ContainerSource(const Environment& env, HttpClient& http, Clock& clock)
      : relative_uri_(lookup(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")),
        full_uri_(lookup(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")),
        token_file_(lookup(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")),
        token_(lookup(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")),
        http_(http),
        clock_(clock) {}

  std::string name() const override { return "container endpoint"; }

  std::optional<Credentials> fetch(std::string& skipped_because) override {
    HttpRequest request;
    if (relative_uri_) {
      request.url = "http://169.254.170.2" + *relative_uri_;
    } else if (full_uri_) {
      if (!allowed_full_uri(*full_uri_)) {
        throw Error(ErrorKind::kConfig,
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or point at loopback, "
                    "169.254.170.2, 169.254.170.23 or fd00:ec2::23: " +
                        *full_uri_);
      }
      request.url = *full_uri_;
      if (auto token = authorization_token()) request.headers.emplace_back("Authorization", *token);
    } else {
      skipped_because = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set";
      return std::nullopt;
    }
    request.timeout = std::chrono::seconds(2);
    const HttpResponse response = send_with_retries(http_, clock_, request, 3);
    if (response.status == 200) return parse_container_credentials(response.body);
    const std::string text =
        "container credentials endpoint " + request.url + " answered HTTP " + std::to_string(response.status);
    Error error(response.status >= 500 || response.status == 429 ? ErrorKind::kTransient : ErrorKind::kAccessDenied,
                text);
    error.with_aws(response.status, "", "");
    throw error;
  }

 private:
  // The token file wins over the variable and is re-read every time (EKS Pod Identity rotates it).
  std::optional<std::string> authorization_token() const {
    std::string token;
    if (token_file_) {
      token = trim(read_file_or_throw(*token_file_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
    } else if (token_) {
      token = *token_;
    } else {
      return std::nullopt;
    }
    if (token.find_first_of("\r\n") != std::string::npos) {
      throw Error(ErrorKind::kConfig, token_file_ ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE holds more than one line"
                                                  : "AWS_CONTAINER_AUTHORIZATION_TOKEN contains a line break");
    }
    return token;
  }

  std::optional<std::string> relative_uri_;
  std::optional<std::string> full_uri_;
  std::optional<std::string> token_file_;
  std::optional<std::string> token_;
  HttpClient& http_;
  Clock& clock_;
};

// ---- EC2 instance metadata ----

class ImdsSource final : public CredentialSource {
 public:
  ImdsSource(const Environment& env, HttpClient& http)
      // The AWS SDKs' rule for their own variables ("true" in any case, anything else false), not
      // core/env_values': other tools read these variables too and must agree with us.
      : disabled_(iequals(lookup(env, "AWS_EC2_METADATA_DISABLED").value_or(""), "true")),
        v1_disabled_(iequals(lookup(env, "AWS_EC2_METADATA_V1_DISABLED").value_or(""), "true")),
        configured_endpoint_(lookup(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")),
        endpoint_(configured_endpoint_.value_or("http://169.254.169.254")),
        attempts_(imds_attempts(env)),
        http_(http) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  }

  std::string name() const override { return "EC2 instance metadata"; }

  std::optional<Credentials> fetch(std::string& skipped_because) override {
    if (disabled_) {
      skipped_because = "AWS_EC2_METADATA_DISABLED=true";
      return std::nullopt;
    }
    std::optional<std::string> token;
    HttpResponse response;
    try {
      response = send("PUT", "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
    } catch (const Error& error) {
      // Off EC2 nothing answers at the link-local address: that means "not here", unless the
      // endpoint was configured on purpose.
      if (error.kind() != ErrorKind::kTransient || configured_endpoint_) throw;
      skipped_because = "no instance metadata service at " + endpoint_;
      return std::nullopt;
    }
    if (response.status == 200) {
      token = trim(response.body);
    } else if (response.status == 403) {
      skipped_because = "instance metadata at " + endpoint_ + " refused a session token (HTTP 403: disabled)";
      return std::nullopt;
    } else if ((response.status == 404 || response.status == 405) && !v1_disabled_) {
      token = std::nullopt;  // IMDSv1-only service: go on without a token
    } else {
      throw failure("/latest/api/token", response.status);
    }
    Headers with_token;
    if (token) with_token.emplace_back("X-aws-ec2-metadata-token", *token);
    const std::string list_path = "/latest/meta-data/iam/security-credentials/";
    response = send("GET", list_path, with_token);
    if (response.status == 404) {
      skipped_because = "no IAM role attached to this instance (HTTP 404 on " + list_path + ")";
      return std::nullopt;
    }
    if (response.status != 200) throw failure(list_path, response.status);
    const std::string role(trim(std::string_view(response.body).substr(0, response.body.find('\n'))));
    if (role.empty()) {
      skipped_because = "no IAM role attached to this instance";
      return std::nullopt;
    }
    response = send("GET", list_path + role, with_token);
    if (response.status != 200) throw failure(list_path + role, response.status);
    return parse_imds_credentials(response.body);
  }

 private:
  // AWS_METADATA_SERVICE_NUM_ATTEMPTS (botocore's name; default 3 here, botocore's is 1): a busy
  // instance's IMDS can miss the 1 s timeout once, and one miss must not read as "no credentials"
  // (exit 77: never retried). Off EC2 this costs about 3 s before the chain gives up.
  static int imds_attempts(const Environment& env) {
    const auto text = lookup(env, "AWS_METADATA_SERVICE_NUM_ATTEMPTS").value_or("3");
    const int value = std::atoi(text.c_str());
    return value >= 1 && value <= 10 ? value : 3;
  }

  // Retried at once (the timeout already waited) while nothing answers or the answer is a 5xx.
  HttpResponse send(const char* method, const std::string& path, Headers headers) {
    HttpRequest request;
    request.method = method;
    request.url = endpoint_ + path;
    request.headers = std::move(headers);
    request.timeout = std::chrono::seconds(1);  // botocore's default: IMDS is local or absent
    for (int attempt = 1;; ++attempt) {
      try {
        HttpResponse response = http_.send(request);
        if (response.status < 500 || attempt >= attempts_) return response;
      } catch (const Error& error) {
        if (error.kind() != ErrorKind::kTransient || attempt >= attempts_) throw;
      }
    }
  }

  Error failure(const std::string& path, int status) const {
    Error error(ErrorKind::kTransient,
                "instance metadata " + endpoint_ + path + " answered HTTP " + std::to_string(status));
    error.with_aws(status, "", "");
    return error;
  }

  bool disabled_;
  bool v1_disabled_;
  std::optional<std::string> configured_endpoint_;
  std::string endpoint_;
  int attempts_;
  HttpClient& http_;
};

}  // namespace

std::unique_ptr<CredentialSource> make_web_identity_source(const Environment& env, HttpClient& http, Clock& clock) {
  return std::make_unique<WebIdentitySource>(env, http, clock);
}

std::unique_ptr<CredentialSource> make_container_source(const Environment& env, HttpClient& http, Clock& clock) {
  return std::make_unique<ContainerSource>(env, http, clock);
}

std::unique_ptr<CredentialSource> make_imds_source(const Environment& env, HttpClient& http) {
  return std::make_unique<ImdsSource>(env, http);
}

}  // namespace txt2pdf
