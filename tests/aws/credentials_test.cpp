// Credentials: the pure parsers on the conformance replies, each source with a scripted HttpClient
// and a fake Clock, the chain's order/caching/refresh, and the real chain through libcurl against
// a local server (tests/support/credentials_server.py) that serves the same replies.
#include "txt2pdf/aws/credentials.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_files.hpp"

extern char** environ;

namespace txt2pdf {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

const fs::path kConformance = fs::path(TXT2PDF_CONFORMANCE_DIR) / "credentials";
const fs::path kData = fs::path(TXT2PDF_TEST_DATA_DIR) / "credentials";

std::string read_bytes(const fs::path& path) { return testing::read_test_file(path.string()); }

nlohmann::json conformance_json(const char* name) { return nlohmann::json::parse(read_bytes(kConformance / name)); }

system_clock::time_point utc(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return system_clock::from_time_t(timegm(&tm));
}

class FakeClock final : public Clock {
 public:
  explicit FakeClock(system_clock::time_point now) : now_(now) {}
  system_clock::time_point now() const override { return now_; }
  bool sleep_for(std::chrono::milliseconds duration) override {
    sleeps.push_back(duration);
    now_ += duration;
    return true;
  }
  void advance(std::chrono::seconds by) { now_ += by; }
  std::vector<std::chrono::milliseconds> sleeps;

 private:
  system_clock::time_point now_;
};

// Replies by "METHOD URL"; unknown routes fail like an unreachable host.
class ScriptedHttp final : public HttpClient {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  void on(const std::string& method, const std::string& url, Handler handler) {
    routes_[method + " " + url] = std::move(handler);
  }
  void on(const std::string& method, const std::string& url, int status, std::string body) {
    on(method, url, [status, body](const HttpRequest&) { return HttpResponse{status, {}, body}; });
  }
  HttpResponse send(const HttpRequest& request) override {
    requests.push_back(request);
    const auto found = routes_.find(request.method + " " + request.url);
    if (found == routes_.end()) throw Error(ErrorKind::kTransient, "connect failed: " + request.url);
    return found->second(request);
  }
  std::vector<HttpRequest> requests;

 private:
  std::map<std::string, Handler> routes_;
};

std::string header(const HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

std::string ecs_body() { return conformance_json("ecs-container-credentials.json")["response"]["body"].dump(); }
std::string imds_credentials_body() { return conformance_json("imds-v2.json")["steps"][2]["response"]["body"].dump(); }

// ---- Pure parsers on the conformance replies ----

TEST(CredentialParsers, ContainerReply) {
  const auto expected = conformance_json("ecs-container-credentials.json")["response"]["body"];
  const Credentials credentials = parse_container_credentials(ecs_body());
  EXPECT_EQ(credentials.access_key_id, expected["AccessKeyId"]);
  EXPECT_EQ(credentials.secret_access_key, expected["SecretAccessKey"]);
  EXPECT_EQ(credentials.session_token, expected["Token"]);
  EXPECT_EQ(credentials.expiration, utc(2024, 1, 1, 12, 0, 0));
}

TEST(CredentialParsers, ImdsCredentialsDocument) {
  const auto expected = conformance_json("imds-v2.json")["steps"][2]["response"]["body"];
  const Credentials credentials = parse_imds_credentials(imds_credentials_body());
  EXPECT_EQ(credentials.access_key_id, expected["AccessKeyId"]);
  EXPECT_EQ(credentials.secret_access_key, expected["SecretAccessKey"]);
  EXPECT_EQ(credentials.session_token, expected["Token"]);
  EXPECT_EQ(credentials.expiration, utc(2017, 5, 17, 15, 9, 54));
  auto failed = expected;
  failed["Code"] = "Failure";
  EXPECT_THROW((void)parse_imds_credentials(failed.dump()), Error);
}

TEST(CredentialParsers, StsAssumeRoleWithWebIdentityMatchesBotocore) {
  const auto parsed = conformance_json("sts-assume-role-with-web-identity.json")["botocore_parsed"]["Credentials"];
  const Credentials credentials =
      parse_assume_role_with_web_identity(read_bytes(kConformance / "sts-assume-role-with-web-identity.response.xml"));
  EXPECT_EQ(credentials.access_key_id, parsed["AccessKeyId"]);
  EXPECT_EQ(credentials.secret_access_key, parsed["SecretAccessKey"]);
  EXPECT_EQ(credentials.session_token, parsed["SessionToken"]);
  EXPECT_EQ(credentials.expiration, utc(2014, 10, 24, 23, 0, 23));  // botocore: 2014-10-24 23:00:23+00:00
}

TEST(CredentialParsers, StsErrorMatchesBotocore) {
  const auto spec = conformance_json("sts-assume-role-with-web-identity.json");
  const Error error =
      sts_error(spec["error_status"], read_bytes(kConformance / "sts-error-expired-token.response.xml"));
  EXPECT_EQ(error.kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(error.http_status(), 400);
  EXPECT_EQ(error.aws_code(), spec["botocore_parsed_error"]["Code"]);
  EXPECT_EQ(error.request_id(), "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
  EXPECT_NE(std::string(error.what()).find(spec["botocore_parsed_error"]["Message"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(sts_error(503, "not xml").kind(), ErrorKind::kTransient);
}

TEST(CredentialParsers, StsRequestBodyIsBotocoresByteForByte) {
  const auto env = conformance_json("sts-assume-role-with-web-identity.json")["env"];
  const std::string jwt =
      "eyJhbGciOiJSUzI1NiIsImtpZCI6IkVYQU1QTEUifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDp0eHQycGRmIn0."
      "c2lnbmF0dXJl";
  EXPECT_EQ(assume_role_with_web_identity_form(env["AWS_ROLE_ARN"].get<std::string>(), "txt2pdf-1700000000", jwt, 3600),
            read_bytes(kConformance / "sts-assume-role-with-web-identity.request.form"));
}

TEST(CredentialParsers, Iso8601Forms) {
  EXPECT_EQ(parse_iso8601("2024-01-01T12:00:00Z", "t"), utc(2024, 1, 1, 12, 0, 0));
  EXPECT_EQ(parse_iso8601("2024-01-01T12:00:00.123Z", "t"), utc(2024, 1, 1, 12, 0, 0));
  EXPECT_EQ(parse_iso8601("2024-01-01T14:00:00+02:00", "t"), utc(2024, 1, 1, 12, 0, 0));
  for (const char* bad : {"", "2024-01-01", "2024-01-01T12:00:00", "2024-13-01T12:00:00Z", "yesterday",
                          "4048-01-01T12:00:00.123+02:30", "1969-12-31T23:59:59Z", "2024-01-01T12:00:00+24:00"}) {
    try {
      (void)parse_iso8601(bad, "the thing");
      ADD_FAILURE() << bad;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kTransient);
      EXPECT_NE(std::string(error.what()).find("the thing"), std::string::npos);
    }
  }
}

TEST(CredentialParsers, ErrorsNeverQuoteTheSecret) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  auto no_token = nlohmann::json::parse(ecs_body());
  no_token.erase("Token");
  auto bad_time = nlohmann::json::parse(ecs_body());
  bad_time["Expiration"] = "soon";
  std::string sts_without_key = read_bytes(kConformance / "sts-assume-role-with-web-identity.response.xml");
  sts_without_key.replace(sts_without_key.find("<AccessKeyId>"), 13, "<Other>");
  sts_without_key.replace(sts_without_key.find("</AccessKeyId>"), 14, "</Other>");
  const std::vector<std::function<void()>> parses = {
      [&] { (void)parse_container_credentials(no_token.dump()); },
      [&] { (void)parse_container_credentials(bad_time.dump()); },
      [&] { (void)parse_container_credentials("{\"SecretAccessKey\": \"" + secret + "\""); },  // truncated JSON
      [&] { (void)parse_imds_credentials(no_token.dump()); },
      [&] { (void)parse_assume_role_with_web_identity(sts_without_key); },
  };
  for (size_t i = 0; i < parses.size(); ++i) {
    try {
      parses[i]();
      ADD_FAILURE() << "case " << i << " parsed";
    } catch (const Error& error) {
      EXPECT_EQ(std::string(error.what()).find(secret), std::string::npos) << error.what();
      EXPECT_EQ(error.kind(), ErrorKind::kTransient);
    }
  }
}

TEST(IniParser, SectionsCommentsCaseAndNesting) {
  const IniFile file = parse_ini(read_bytes(kData / "credentials"));
  EXPECT_EQ(file.at("default").at("aws_secret_access_key"), "secret/default+file");
  EXPECT_EQ(file.at("dev").at("aws_access_key_id"), "AKIDDEVFILE");  // key names are case-insensitive
  EXPECT_EQ(file.at("dev").at("aws_secret_access_key"), "secret-dev-file");
  EXPECT_EQ(file.at("nested").at("aws_access_key_id"), "AKIDNESTED");  // the indented one is nested under s3
  EXPECT_EQ(file.count("# Shared credentials file fixture (AWS_SHARED_CREDENTIALS_FILE). Keys are fake."), 0U);
  EXPECT_TRUE(parse_ini("").empty());
  EXPECT_EQ(parse_ini("key = before any section\r\n[a]\r\nk = v\r\n").at("a").at("k"), "v");
}

TEST(IniParser, CredentialsFromSection) {
  const IniFile file = parse_ini(read_bytes(kData / "credentials"));
  const auto dev = credentials_from_ini(file, "dev", "f");
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->session_token, "token-dev-file");
  EXPECT_FALSE(credentials_from_ini(file, "missing", "f"));
  try {
    (void)credentials_from_ini(file, "half", "/x/credentials");
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("aws_secret_access_key"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("/x/credentials"), std::string::npos);
  }
}

// ---- Sources, with a scripted HttpClient ----

const system_clock::time_point kBefore2014Expiry = utc(2014, 10, 24, 12, 0, 0);

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "credentials_test.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::optional<Credentials> fetch(CredentialSource& source, std::string* reason = nullptr) {
  std::string skipped_because;
  auto credentials = source.fetch(skipped_because);
  if (reason != nullptr) *reason = skipped_because;
  return credentials;
}

ErrorKind kind_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.kind();
  }
  ADD_FAILURE() << "no Error thrown";
  return ErrorKind::kInternal;
}

TEST(EnvironmentSource, KeysTokenPartialAndAbsent) {
  auto source = make_environment_source(
      {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "S"}, {"AWS_SESSION_TOKEN", "T"}});
  const auto credentials = fetch(*source);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "AKID");
  EXPECT_EQ(credentials->secret_access_key, "S");
  EXPECT_EQ(credentials->session_token, "T");
  EXPECT_FALSE(credentials->expiration);
  std::string reason;
  EXPECT_FALSE(fetch(*make_environment_source({{"AWS_ACCESS_KEY_ID", ""}}), &reason));
  EXPECT_NE(reason.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_EQ(kind_of([] {
              (void)fetch(*make_environment_source({{"AWS_ACCESS_KEY_ID", "AKID"}}));
            }),
            ErrorKind::kConfig);
}

TEST(SharedFilesSource, ProfilesFromBothFiles) {
  const Environment base{{"AWS_SHARED_CREDENTIALS_FILE", (kData / "credentials").string()},
                         {"AWS_CONFIG_FILE", (kData / "config").string()}};
  EXPECT_EQ(fetch(*make_shared_files_source(base))->access_key_id, "AKIDDEFAULTFILE");
  Environment env = base;
  env["AWS_PROFILE"] = "dev";
  EXPECT_EQ(fetch(*make_shared_files_source(env))->session_token, "token-dev-file");
  env["AWS_PROFILE"] = "ci";  // only in the config file, as [profile ci]; the bare [ci] there is not it
  EXPECT_EQ(fetch(*make_shared_files_source(env))->secret_access_key, "secret-ci-config");
  env["AWS_PROFILE"] = "roleonly";
  std::string reason;
  EXPECT_FALSE(fetch(*make_shared_files_source(env), &reason));
  EXPECT_NE(reason.find("[profile roleonly]"), std::string::npos) << reason;
  env["AWS_PROFILE"] = "half";
  EXPECT_EQ(kind_of([&] { (void)fetch(*make_shared_files_source(env)); }), ErrorKind::kConfig);
}

TEST(SharedFilesSource, DefaultPathsUnderHome) {
  TempDir home;
  home.write(".aws/credentials", "[default]\naws_access_key_id = AKIDHOME\naws_secret_access_key = s\n");
  EXPECT_EQ(fetch(*make_shared_files_source({{"HOME", home.path().string()}}))->access_key_id, "AKIDHOME");
  std::string reason;
  EXPECT_FALSE(fetch(*make_shared_files_source({}), &reason));
  EXPECT_NE(reason.find("HOME"), std::string::npos);
}

TEST(WebIdentitySource, PostsTheFormAndParsesTheReply) {
  TempDir dir;
  const auto token_file = dir.write("token", "jwt-token-value\n");
  FakeClock clock(utc(2023, 11, 14, 22, 13, 20));  // 1700000000
  ScriptedHttp http;
  http.on("POST", "https://sts.eu-central-1.amazonaws.com/", 200,
          read_bytes(kConformance / "sts-assume-role-with-web-identity.response.xml"));
  const Environment env{{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file.string()},
                        {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/txt2pdf-job"},
                        {"AWS_REGION", "eu-central-1"}};
  const auto credentials = fetch(*make_web_identity_source(env, http, clock));
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
  ASSERT_EQ(http.requests.size(), 1U);
  EXPECT_EQ(http.requests[0].body, assume_role_with_web_identity_form("arn:aws:iam::123456789012:role/txt2pdf-job",
                                                                      "txt2pdf-1700000000", "jwt-token-value", 3600));
  EXPECT_EQ(header(http.requests[0], "Authorization"), "<absent>");  // an unsigned call

  Environment overridden = env;
  overridden["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:1/";
  overridden["AWS_ROLE_SESSION_NAME"] = "named";
  http.on("POST", "http://127.0.0.1:1/", 400, read_bytes(kConformance / "sts-error-expired-token.response.xml"));
  try {
    (void)fetch(*make_web_identity_source(overridden, http, clock));
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kAccessDenied);
    EXPECT_EQ(error.aws_code(), "ExpiredTokenException");
    EXPECT_EQ(std::string(error.what()).find("jwt-token-value"), std::string::npos);
  }
  EXPECT_NE(http.requests.back().body.find("RoleSessionName=named&"), std::string::npos);
  EXPECT_EQ(kind_of([&] {
              (void)fetch(*make_web_identity_source({{"AWS_ROLE_ARN", "a"}}, http, clock));
            }),
            ErrorKind::kConfig);
}

TEST(ContainerSource, RelativeUriGoesToTheFixedHost) {
  const auto spec = conformance_json("ecs-container-credentials.json")["relative_uri_variant"];
  FakeClock clock(kBefore2014Expiry);
  ScriptedHttp http;
  http.on("GET", spec["request"]["url"], 200, ecs_body());
  const Environment env{
      {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", spec["env"]["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]}};
  EXPECT_EQ(fetch(*make_container_source(env, http, clock))->session_token, nlohmann::json::parse(ecs_body())["Token"]);
  EXPECT_EQ(header(http.requests.at(0), "Authorization"), "<absent>");
}

TEST(ContainerSource, FullUriWithTokenFilePreferredOverVariable) {
  TempDir dir;
  const auto token_file = dir.write("token", "token-from-file\n");
  FakeClock clock(kBefore2014Expiry);
  ScriptedHttp http;
  http.on("GET", "http://169.254.170.23/v1/credentials", 200, ecs_body());
  Environment env{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
                  {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abcd"}};
  ASSERT_TRUE(fetch(*make_container_source(env, http, clock)));
  EXPECT_EQ(header(http.requests.back(), "Authorization"), "Basic abcd");
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = token_file.string();
  ASSERT_TRUE(fetch(*make_container_source(env, http, clock)));
  EXPECT_EQ(header(http.requests.back(), "Authorization"), "token-from-file");
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://203.0.113.9/creds";  // plain http off-box: refused
  EXPECT_EQ(kind_of([&] { (void)fetch(*make_container_source(env, http, clock)); }), ErrorKind::kConfig);
}

TEST(ContainerSource, RetriesThenReportsTransientOrDenied) {
  FakeClock clock(kBefore2014Expiry);
  ScriptedHttp http;
  http.on("GET", "http://127.0.0.1:9/500", 500, "oops");
  http.on("GET", "http://127.0.0.1:9/403", 403, "{}");
  const auto env_for = [](const std::string& path) {
    return Environment{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9" + path},
                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-auth-token"}};
  };
  for (const char* path : {"/500", "/unreachable"}) {
    http.requests.clear();
    try {
      (void)fetch(*make_container_source(env_for(path), http, clock));
      ADD_FAILURE();
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kTransient);
      EXPECT_EQ(std::string(error.what()).find("secret-auth-token"), std::string::npos);
    }
    EXPECT_EQ(http.requests.size(), 3U) << path;
  }
  http.requests.clear();
  EXPECT_EQ(kind_of([&] { (void)fetch(*make_container_source(env_for("/403"), http, clock)); }),
            ErrorKind::kAccessDenied);
  EXPECT_EQ(http.requests.size(), 1U);
}

void script_imds(ScriptedHttp& http, const std::string& base) {
  const auto steps = conformance_json("imds-v2.json")["steps"];
  const std::string token = steps[0]["response"]["body"];
  const std::string role = steps[1]["response"]["body"];
  http.on("PUT", base + "/latest/api/token", [token](const HttpRequest& request) {
    return HttpResponse{header(request, "X-aws-ec2-metadata-token-ttl-seconds") == "21600" ? 200 : 400, {}, token};
  });
  const auto with_token = [token](std::string body) {
    return [token, body](const HttpRequest& request) {
      return header(request, "X-aws-ec2-metadata-token") == token ? HttpResponse{200, {}, body}
                                                                  : HttpResponse{401, {}, ""};
    };
  };
  http.on("GET", base + "/latest/meta-data/iam/security-credentials/", with_token(role));
  http.on("GET", base + "/latest/meta-data/iam/security-credentials/" + role, with_token(imds_credentials_body()));
}

TEST(ImdsSource, TokenThenRoleThenCredentials) {
  ScriptedHttp http;
  script_imds(http, "http://169.254.169.254");
  const auto credentials = fetch(*make_imds_source({}, http));
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "ASIAIOSFODNN7EXAMPLE");
  ASSERT_EQ(http.requests.size(), 3U);
  EXPECT_EQ(http.requests[0].method, "PUT");
  for (const auto& request : http.requests) EXPECT_LE(request.timeout, std::chrono::seconds(1));
}

// Issue 12, bug 8. Before: one token call that missed its 1 s timeout made the source report "no
// instance metadata service", the chain found no credentials and the job exited 77 (never retried).
TEST(ImdsSource, ATokenCallThatTimesOutOnceIsRetried) {
  ScriptedHttp http;
  script_imds(http, "http://169.254.169.254");
  int token_calls = 0;
  const auto steps = conformance_json("imds-v2.json")["steps"];
  const std::string token = steps[0]["response"]["body"];
  http.on("PUT", "http://169.254.169.254/latest/api/token", [&token_calls, token](const HttpRequest&) -> HttpResponse {
    if (++token_calls == 1) throw Error(ErrorKind::kTransient, "Operation timed out after 1000 milliseconds");
    return HttpResponse{200, {}, token};
  });
  const auto credentials = fetch(*make_imds_source({}, http));
  ASSERT_TRUE(credentials);
  EXPECT_EQ(token_calls, 2);
  // AWS_METADATA_SERVICE_NUM_ATTEMPTS=1 is botocore's default behaviour: one miss, no credentials.
  token_calls = 0;
  EXPECT_FALSE(fetch(*make_imds_source({{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1"}}, http)));
}

TEST(ImdsSource, DisabledUnreachableRefusedAndV1) {
  ScriptedHttp http;
  std::string reason;
  EXPECT_FALSE(fetch(*make_imds_source({{"AWS_EC2_METADATA_DISABLED", "true"}}, http), &reason));
  EXPECT_TRUE(http.requests.empty());
  EXPECT_FALSE(fetch(*make_imds_source({}, http), &reason));  // nothing answers: not on EC2
  EXPECT_NE(reason.find("169.254.169.254"), std::string::npos);
  EXPECT_EQ(kind_of([&] {
              (void)fetch(*make_imds_source({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"}}, http));
            }),
            ErrorKind::kTransient);  // configured on purpose, so unreachable is an error
  http.on("PUT", "http://169.254.169.254/latest/api/token", 403, "");
  EXPECT_FALSE(fetch(*make_imds_source({}, http), &reason));
  // IMDSv1 only: the token call is not known (404); go on without the token header.
  ScriptedHttp v1;
  v1.on("PUT", "http://169.254.169.254/latest/api/token", 404, "");
  v1.on("GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", 200, "role\n");
  v1.on("GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/role", 200, imds_credentials_body());
  ASSERT_TRUE(fetch(*make_imds_source({}, v1)));
  EXPECT_EQ(header(v1.requests.back(), "X-aws-ec2-metadata-token"), "<absent>");
  EXPECT_EQ(kind_of([&] {
              (void)fetch(*make_imds_source({{"AWS_EC2_METADATA_V1_DISABLED", "true"}}, v1));
            }),
            ErrorKind::kTransient);
}

// ---- The chain ----

TEST(DefaultChain, NothingConfiguredNamesEverySource) {
  FakeClock clock(kBefore2014Expiry);
  ScriptedHttp http;  // nothing answers, as off EC2
  try {
    (void)make_default_credentials_chain({}, http, clock)->get();
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kAccessDenied);
    const std::string message = error.what();
    for (const char* source :
         {"environment", "web identity", "shared files", "container endpoint", "EC2 instance metadata"}) {
      EXPECT_NE(message.find(source), std::string::npos) << source << " missing from: " << message;
    }
  }
}

TEST(DefaultChain, EnvironmentWinsAndNothingIsFetched) {
  FakeClock clock(kBefore2014Expiry);
  ScriptedHttp http;
  script_imds(http, "http://169.254.169.254");
  const Environment env{{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                        {"AWS_SECRET_ACCESS_KEY", "s"},
                        {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x"}};
  EXPECT_EQ(make_default_credentials_chain(env, http, clock)->get().access_key_id, "AKIDENV");
  EXPECT_TRUE(http.requests.empty());
}

TEST(DefaultChain, ConfiguredSourceFailingIsTransientNotFallenThrough) {
  FakeClock clock(kBefore2014Expiry);
  ScriptedHttp http;
  script_imds(http, "http://169.254.169.254");  // would succeed, but the container source comes first
  const Environment env{{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/down"}};
  EXPECT_EQ(kind_of([&] { (void)make_default_credentials_chain(env, http, clock)->get(); }), ErrorKind::kTransient);
}

TEST(DefaultChain, TemporaryCredentialsCachedAndRefreshedFiveMinutesAhead) {
  // The ECS reply expires 2024-01-01T12:00:00Z; start an hour before.
  FakeClock clock(utc(2024, 1, 1, 11, 0, 0));
  ScriptedHttp http;
  int calls = 0;
  http.on("GET", "http://169.254.170.2/creds", [&calls](const HttpRequest&) {
    ++calls;
    return calls <= 2 ? HttpResponse{200, {}, ecs_body()} : HttpResponse{500, {}, ""};
  });
  auto chain = make_default_credentials_chain({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds"}}, http, clock);
  EXPECT_EQ(chain->get().access_key_id, "ASIAIOSFODNN7EXAMPLE");
  clock.advance(std::chrono::minutes(54));  // 6 minutes left: cached
  (void)chain->get();
  EXPECT_EQ(calls, 1);
  clock.advance(std::chrono::minutes(2));  // 4 minutes left: refreshed
  (void)chain->get();
  EXPECT_EQ(calls, 2);
  // The refresh fails (500 x3) but the held credentials are still valid: they are returned.
  EXPECT_EQ(chain->get().access_key_id, "ASIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(calls, 5);
  clock.advance(std::chrono::minutes(10));  // expired and the endpoint still fails
  EXPECT_EQ(kind_of([&] { (void)chain->get(); }), ErrorKind::kTransient);
}

TEST(DefaultChain, StaticCredentialsAreNotRefetched) {
  FakeClock clock(kBefore2014Expiry);
  ScriptedHttp http;
  TempDir home;
  home.write(".aws/credentials", "[default]\naws_access_key_id = AKIDHOME\naws_secret_access_key = s\n");
  auto chain = make_default_credentials_chain({{"HOME", home.path().string()}}, http, clock);
  EXPECT_EQ(chain->get().access_key_id, "AKIDHOME");
  fs::remove(home.path() / ".aws/credentials");
  clock.advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(chain->get().access_key_id, "AKIDHOME");
}

// ---- The real chain through libcurl against a local server ----

// tests/support/credentials_server.py on 127.0.0.1, started once for the suite.
class CredentialsServer {
 public:
  static constexpr const char* kEcsToken = "ecs-authorization-token-value";
  static constexpr const char* kWebIdentityToken = "web-identity-jwt-value";

  CredentialsServer() {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string script = std::string(TXT2PDF_SOURCE_DIR) + "/tests/support/credentials_server.py";
    const std::string conformance = TXT2PDF_CONFORMANCE_DIR;
    std::vector<std::string> args = {"/usr/bin/python3", script, conformance, kEcsToken, kWebIdentityToken};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawned != 0) throw std::runtime_error("cannot start /usr/bin/python3");
    FILE* stream = fdopen(out[0], "r");
    char line[64] = {};
    if (std::fgets(line, sizeof line, stream) == nullptr || std::sscanf(line, "PORT %d", &port_) != 1) {
      std::fclose(stream);
      throw std::runtime_error("credentials_server.py did not report its port");
    }
    std::fclose(stream);
  }
  ~CredentialsServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

class LocalServerChain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new CredentialsServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { http_ = make_curl_http_client(); }

  // Requests per "METHOD path" the server has seen so far.
  int count(const std::string& key) {
    const auto reply = http_->send(HttpRequest{"GET", server_->url("/stats"), {}, "", nullptr, {}});
    return nlohmann::json::parse(reply.body).value(key, 0);
  }

  static CredentialsServer* server_;
  std::unique_ptr<HttpClient> http_;
  FakeClock clock_{kBefore2014Expiry};  // before every conformance expiry
  TempDir dir_;
};

CredentialsServer* LocalServerChain::server_ = nullptr;

TEST_F(LocalServerChain, ContainerEndpointWithTokenFile) {
  const auto token_file = dir_.write("ecs-token", std::string(CredentialsServer::kEcsToken) + "\n");
  const Environment env{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server_->url("/ecs/creds")},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.string()},
                        {"AWS_EC2_METADATA_DISABLED", "true"}};
  auto chain = make_default_credentials_chain(env, *http_, clock_);
  const int before = count("GET /ecs/creds");
  const Credentials credentials = chain->get();
  const Credentials again = chain->get();  // cached: no second request
  const auto expected = nlohmann::json::parse(ecs_body());
  EXPECT_EQ(credentials.access_key_id, expected["AccessKeyId"]);
  EXPECT_EQ(credentials.secret_access_key, expected["SecretAccessKey"]);
  EXPECT_EQ(credentials.session_token, expected["Token"]);
  EXPECT_EQ(again.session_token, credentials.session_token);
  EXPECT_EQ(count("GET /ecs/creds") - before, 1);
}

TEST_F(LocalServerChain, ContainerEndpointRefusesWrongToken) {
  const Environment env{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server_->url("/ecs/creds")},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token"}};
  try {
    (void)make_default_credentials_chain(env, *http_, clock_)->get();
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kAccessDenied);
    EXPECT_EQ(error.http_status(), 401);
    EXPECT_EQ(std::string(error.what()).find("wrong-token"), std::string::npos);
  }
}

TEST_F(LocalServerChain, ImdsV2WithSessionToken) {
  const Environment env{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server_->url("")}};
  const int before = count("PUT /latest/api/token");
  const Credentials credentials = make_default_credentials_chain(env, *http_, clock_)->get();
  const auto expected = nlohmann::json::parse(imds_credentials_body());
  EXPECT_EQ(credentials.access_key_id, expected["AccessKeyId"]);
  EXPECT_EQ(credentials.secret_access_key, expected["SecretAccessKey"]);
  EXPECT_EQ(credentials.session_token, expected["Token"]);
  EXPECT_EQ(credentials.expiration, utc(2017, 5, 17, 15, 9, 54));
  EXPECT_EQ(count("PUT /latest/api/token") - before, 1);
}

TEST_F(LocalServerChain, WebIdentityThroughSts) {
  const auto token_file = dir_.write("jwt", CredentialsServer::kWebIdentityToken);
  Environment env{{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file.string()},
                  {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/txt2pdf-job"},
                  {"AWS_ENDPOINT_URL_STS", server_->url("/sts")},
                  {"AWS_EC2_METADATA_DISABLED", "true"}};
  const Credentials credentials = make_default_credentials_chain(env, *http_, clock_)->get();
  EXPECT_EQ(credentials.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(credentials.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");

  dir_.write("jwt", "an-expired-jwt");
  try {
    (void)make_default_credentials_chain(env, *http_, clock_)->get();
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kAccessDenied);
    EXPECT_EQ(error.aws_code(), "ExpiredTokenException");
    EXPECT_EQ(std::string(error.what()).find("an-expired-jwt"), std::string::npos);
  }
}

TEST_F(LocalServerChain, UnreachableConfiguredSourceIsTransient) {
  // Port 1 on loopback: connection refused, three attempts with pauses on the fake clock.
  const Environment env{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds"}};
  EXPECT_EQ(kind_of([&] { (void)make_default_credentials_chain(env, *http_, clock_)->get(); }), ErrorKind::kTransient);
  EXPECT_EQ(clock_.sleeps.size(), 2U);
}

}  // namespace
}  // namespace txt2pdf
