// The default credentials chain (botocore's create_credential_resolver order), its caching and
// refresh, and the two local sources: environment and shared files. The HTTP sources (web
// identity, container endpoint, IMDS) are in credentials_http.cpp, the parsers in
// credentials_parse.cpp.
#include "txt2pdf/aws/credentials.hpp"

#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

namespace txt2pdf {
namespace {

class EnvironmentSource final : public CredentialSource {
 public:
  explicit EnvironmentSource(const Environment& env)
      : access_key_id_(lookup(env, "AWS_ACCESS_KEY_ID")),
        secret_access_key_(lookup(env, "AWS_SECRET_ACCESS_KEY")),
        session_token_(lookup(env, "AWS_SESSION_TOKEN")) {}

  std::string name() const override { return "environment"; }

  std::optional<Credentials> fetch(std::string& skipped_because) override {
    if (!access_key_id_ && !secret_access_key_) {
      skipped_because = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set";
      return std::nullopt;
    }
    if (!access_key_id_ || !secret_access_key_) {
      throw Error(ErrorKind::kConfig,
                  std::string(access_key_id_ ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                                             : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
    }
    return Credentials{*access_key_id_, *secret_access_key_, session_token_.value_or(""), std::nullopt};
  }

 private:
  std::optional<std::string> access_key_id_;
  std::optional<std::string> secret_access_key_;
  std::optional<std::string> session_token_;
};

// `path` with a leading "~/" resolved against HOME; nullopt when that is needed and HOME is unset.
std::optional<std::string> expand_home(const std::string& path, const Environment& env) {
  if (path.rfind("~/", 0) != 0) return path;
  const auto home = lookup(env, "HOME");
  if (!home) return std::nullopt;
  return *home + path.substr(1);
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class SharedFilesSource final : public CredentialSource {
 public:
  explicit SharedFilesSource(const Environment& env)
      : profile_(lookup(env, "AWS_PROFILE").value_or(lookup(env, "AWS_DEFAULT_PROFILE").value_or("default"))),
        credentials_file_(expand_home(lookup(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env)),
        config_file_(expand_home(lookup(env, "AWS_CONFIG_FILE").value_or("~/.aws/config"), env)) {}

  std::string name() const override { return "shared files (profile " + profile_ + ")"; }

  std::optional<Credentials> fetch(std::string& skipped_because) override {
    std::string reasons;
    if (auto found = from_file(credentials_file_, profile_, "credentials file", reasons)) return found;
    // The config file names profiles "[profile NAME]", except the default one, which may be "[default]".
    const std::string section = profile_ == "default" ? "default" : "profile " + profile_;
    if (auto found = from_file(config_file_, section, "config file", reasons)) return found;
    if (profile_ == "default") {
      if (auto found = from_file(config_file_, "profile default", "config file", reasons)) return found;
    }
    skipped_because = reasons;
    return std::nullopt;
  }

 private:
  static std::optional<Credentials> from_file(const std::optional<std::string>& path, const std::string& section,
                                              const char* label, std::string& reasons) {
    if (!reasons.empty()) reasons += "; ";
    if (!path) {
      reasons += std::string(label) + " path needs HOME, which is not set";
      return std::nullopt;
    }
    const auto text = read_text_file(*path);
    if (!text) {
      reasons += std::string(label) + " " + *path + " not readable";
      return std::nullopt;
    }
    const IniFile file = parse_ini(*text);
    auto credentials = credentials_from_ini(file, section, *path);
    if (!credentials) {
      const bool has_section = file.find(section) != file.end();
      reasons += std::string(label) + " " + *path + (has_section ? " has no keys in [" : " has no [") + section + "]";
    }
    return credentials;
  }

  std::string profile_;
  std::optional<std::string> credentials_file_;
  std::optional<std::string> config_file_;
};

class CredentialsChain final : public CredentialsProvider {
 public:
  CredentialsChain(std::vector<std::unique_ptr<CredentialSource>> sources, Clock& clock)
      : sources_(std::move(sources)), clock_(clock) {}

  // One caller at a time: threads sharing the chain wait for a single refresh instead of each
  // asking the endpoint.
  Credentials get() override {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto now = clock_.now();
    if (cached_ && (!cached_->expiration || *cached_->expiration - now > kRefreshAhead)) return *cached_;
    try {
      cached_ = cached_ ? refresh() : resolve();
    } catch (const Error& error) {
      // A refresh that fails while the old credentials are still valid is not worth failing the
      // caller for: the next get() tries again.
      if (cached_ && cached_->expiration && *cached_->expiration > now && error.kind() != ErrorKind::kCancelled) {
        return *cached_;
      }
      throw;
    }
    return *cached_;
  }

  // Marks the cached credentials expired now: the next get() refreshes from their source and, if
  // that fails, reports it instead of handing the dead ones out again.
  void invalidate() override {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ && cached_->expiration) cached_->expiration = clock_.now();
  }

 private:
  Credentials resolve() {
    std::string tried;
    for (size_t i = 0; i < sources_.size(); ++i) {
      std::string skipped_because;
      if (auto credentials = sources_[i]->fetch(skipped_because)) {
        chosen_ = i;
        return *credentials;
      }
      tried += (tried.empty() ? "" : "; ") + sources_[i]->name() + ": " + skipped_because;
    }
    throw Error(ErrorKind::kAccessDenied, "no AWS credentials found; tried " + tried);
  }

  // Temporary credentials come again from the source that gave them.
  Credentials refresh() {
    std::string skipped_because;
    if (auto credentials = sources_[chosen_]->fetch(skipped_because)) return *credentials;
    throw Error(ErrorKind::kAccessDenied,
                "credentials from " + sources_[chosen_]->name() + " are no longer available: " + skipped_because);
  }

  std::vector<std::unique_ptr<CredentialSource>> sources_;
  Clock& clock_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  size_t chosen_ = 0;
};

}  // namespace

std::unique_ptr<CredentialSource> make_environment_source(const Environment& env) {
  return std::make_unique<EnvironmentSource>(env);
}

std::unique_ptr<CredentialSource> make_shared_files_source(const Environment& env) {
  return std::make_unique<SharedFilesSource>(env);
}

std::unique_ptr<CredentialsProvider> make_credentials_chain(std::vector<std::unique_ptr<CredentialSource>> sources,
                                                            Clock& clock) {
  return std::make_unique<CredentialsChain>(std::move(sources), clock);
}

std::unique_ptr<CredentialsProvider> make_default_credentials_chain(const Environment& env, HttpClient& http,
                                                                    Clock& clock) {
  std::vector<std::unique_ptr<CredentialSource>> sources;
  sources.push_back(make_environment_source(env));
  // botocore asks the web identity provider before the shared credentials file (see
  // ../shared/conformance/credentials/README.md); assume-role and SSO profiles are not supported.
  sources.push_back(make_web_identity_source(env, http, clock));
  sources.push_back(make_shared_files_source(env));
  sources.push_back(make_container_source(env, http, clock));
  sources.push_back(make_imds_source(env, http));
  return make_credentials_chain(std::move(sources), clock);
}

}  // namespace txt2pdf
