// The signer against the published vectors, stage by stage: the classic AWS SigV4 test suite
// (botocore's copy), aws-c-auth's v4 suite (header signing) and the S3 documentation's examples.
#include "txt2pdf/aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_files.hpp"

namespace txt2pdf::sigv4 {
namespace {

namespace fs = std::filesystem;

const fs::path kSuiteDir = fs::path(TXT2PDF_CONFORMANCE_DIR) / "sigv4";

std::string read_bytes(const fs::path& path) { return testing::read_test_file(path.string()); }

std::string trim_trailing_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// "2015-08-30T12:36:00Z" or "20150830T123600Z" -> time point.
std::chrono::system_clock::time_point parse_time(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, text.find('-') != std::string::npos ? "%Y-%m-%dT%H:%M:%SZ" : "%Y%m%dT%H%M%SZ");
  if (in.fail()) throw std::runtime_error("bad time " + text);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// Test helper: a raw HTTP/1.1 request as written in the suites. The request target may contain raw
// spaces and UTF-8 (the suites test how those are encoded), so it runs to the last " HTTP/".
// Folded header lines (leading whitespace) continue the previous value, joined by a space.
HttpRequest parse_raw_request(const std::string& raw) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= raw.size()) {
    auto end = raw.find('\n', start);
    if (end == std::string::npos) end = raw.size();
    lines.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  HttpRequest request;
  const std::string& request_line = lines.at(0);
  const auto method_end = request_line.find(' ');
  const auto target_end = request_line.rfind(" HTTP/");
  request.method = request_line.substr(0, method_end);
  const std::string target = request_line.substr(method_end + 1, target_end - method_end - 1);
  size_t i = 1;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    const std::string& line = lines[i];
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().second += " " + line;
      continue;
    }
    const auto colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  for (size_t body_line = i + 1; body_line < lines.size(); ++body_line) {
    if (body_line > i + 1) request.body += "\n";
    request.body += lines[body_line];
  }
  std::string host;
  for (const auto& [name, value] : request.headers) {
    if (name == "Host") host = value;
  }
  request.url = "https://" + host + target;
  return request;
}

std::string header_of(const HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

// ---- The classic suite: <dir>/<name>/<name>.{req,creq,sts,authz} ----

const Credentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt};
const Scope kSuiteScope{"us-east-1", "service"};
constexpr const char* kSuiteTime = "20150830T123600Z";

std::vector<std::string> classic_cases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::recursive_directory_iterator(kSuiteDir / "aws4_testsuite")) {
    if (entry.path().extension() == ".req") {
      cases.push_back(fs::relative(entry.path().parent_path(), kSuiteDir / "aws4_testsuite").string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

class ClassicSuite : public ::testing::TestWithParam<std::string> {};

TEST_P(ClassicSuite, EveryStageMatches) {
  const fs::path dir = kSuiteDir / "aws4_testsuite" / GetParam();
  const std::string name = dir.filename().string();
  Credentials credentials = kSuiteCredentials;
  // Tokens as botocore's driver (tests/unit/auth/test_sigv4.py) and post-sts-token/readme.txt give them.
  if (name == "get-vanilla-with-session-token") {
    credentials.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  } else if (name == "post-sts-header-before") {
    credentials.session_token = header_of(parse_raw_request(read_bytes(dir / (name + ".req"))), "X-Amz-Security-Token");
    ASSERT_NE(credentials.session_token, "<absent>");
  }
  HttpRequest request = parse_raw_request(read_bytes(dir / (name + ".req")));
  const auto time = parse_time(kSuiteTime);
  Options options;
  prepare(request, credentials, time, options);
  const Stages stages = compute_stages(request, credentials, kSuiteScope, time, options);
  EXPECT_EQ(stages.canonical_request, read_bytes(dir / (name + ".creq")));
  EXPECT_EQ(stages.string_to_sign, read_bytes(dir / (name + ".sts")));
  EXPECT_EQ(stages.authorization, read_bytes(dir / (name + ".authz")));

  HttpRequest signed_request = parse_raw_request(read_bytes(dir / (name + ".req")));
  sign(signed_request, credentials, kSuiteScope, time, options);
  EXPECT_EQ(header_of(signed_request, "Authorization"), read_bytes(dir / (name + ".authz")));
}

std::string case_label(const ::testing::TestParamInfo<std::string>& info) {
  std::string label = info.param;
  for (char& c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return label;
}

INSTANTIATE_TEST_SUITE_P(Aws4TestSuite, ClassicSuite, ::testing::ValuesIn(classic_cases()), case_label);

TEST(ClassicSuiteInventory, HasAllThirtyFourCases) { EXPECT_EQ(classic_cases().size(), 34U); }

// ---- aws-c-auth v4: <name>/{context.json, request.txt, header-*.txt} ----

std::vector<std::string> crt_cases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(kSuiteDir / "aws-c-auth-v4")) {
    if (fs::exists(entry.path() / "context.json")) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

class CrtSuite : public ::testing::TestWithParam<std::string> {};

TEST_P(CrtSuite, HeaderSigningEveryStageMatches) {
  const fs::path dir = kSuiteDir / "aws-c-auth-v4" / GetParam();
  const auto context = nlohmann::json::parse(read_bytes(dir / "context.json"));
  Credentials credentials;
  credentials.access_key_id = context["credentials"]["access_key_id"];
  credentials.secret_access_key = context["credentials"]["secret_access_key"];
  credentials.session_token = context["credentials"].value("token", "");
  const Scope scope{context["region"], context["service"]};
  const auto time = parse_time(context["timestamp"]);
  Options options;
  options.normalize_path = context["normalize"];
  options.add_content_sha256_header = context["sign_body"];
  options.sign_session_token = !context.value("omit_session_token", false);

  HttpRequest request = parse_raw_request(read_bytes(dir / "request.txt"));
  HttpRequest prepared = request;
  prepare(prepared, credentials, time, options);
  const Stages stages = compute_stages(prepared, credentials, scope, time, options);
  EXPECT_EQ(stages.canonical_request, read_bytes(dir / "header-canonical-request.txt"));
  EXPECT_EQ(stages.string_to_sign, read_bytes(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(stages.signature, trim_trailing_newlines(read_bytes(dir / "header-signature.txt")));

  const HttpRequest expected = parse_raw_request(read_bytes(dir / "header-signed-request.txt"));
  sign(request, credentials, scope, time, options);
  EXPECT_EQ(header_of(request, "Authorization"), header_of(expected, "Authorization"));
  EXPECT_EQ(header_of(request, "X-Amz-Security-Token"), header_of(expected, "X-Amz-Security-Token"));
}

// "/path?b&a" -> "/path" followed by the query parameters sorted (their order on the wire is free).
std::string path_and_sorted_query(const std::string& target) {
  const auto question = target.find('?');
  std::vector<std::string> params;
  for (size_t start = question + 1; question != std::string::npos && start <= target.size();) {
    auto end = target.find('&', start);
    if (end == std::string::npos) end = target.size();
    params.push_back(target.substr(start, end - start));
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out = target.substr(0, question);
  for (const auto& param : params) out += " " + param;
  return out;
}

TEST_P(CrtSuite, QuerySigningEveryStageMatches) {
  const fs::path dir = kSuiteDir / "aws-c-auth-v4" / GetParam();
  const auto context = nlohmann::json::parse(read_bytes(dir / "context.json"));
  const Credentials credentials{context["credentials"]["access_key_id"], context["credentials"]["secret_access_key"],
                                context["credentials"].value("token", ""), std::nullopt};
  const Scope scope{context["region"], context["service"]};
  Options options;
  options.normalize_path = context["normalize"];
  options.sign_session_token = !context.value("omit_session_token", false);

  const HttpRequest request = parse_raw_request(read_bytes(dir / "request.txt"));
  const Presigned presigned = presign(request, credentials, scope, parse_time(context["timestamp"]),
                                      std::chrono::seconds(context["expiration_in_seconds"].get<long>()), options);
  EXPECT_EQ(presigned.stages.canonical_request, read_bytes(dir / "query-canonical-request.txt"));
  EXPECT_EQ(presigned.stages.string_to_sign, read_bytes(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(presigned.stages.signature, trim_trailing_newlines(read_bytes(dir / "query-signature.txt")));

  const HttpRequest expected = parse_raw_request(read_bytes(dir / "query-signed-request.txt"));
  const std::string prefix = "https://example.amazonaws.com";
  ASSERT_EQ(presigned.url.rfind(prefix, 0), 0U);
  EXPECT_EQ(path_and_sorted_query(presigned.url.substr(prefix.size())),
            path_and_sorted_query(expected.url.substr(prefix.size())));
}

INSTANTIATE_TEST_SUITE_P(AwsCAuthV4, CrtSuite, ::testing::ValuesIn(crt_cases()), case_label);

TEST(CrtSuiteInventory, HasAllThirtyEightCases) { EXPECT_EQ(crt_cases().size(), 38U); }

// ---- S3 documentation examples (s3-examples.json), header-signed ones ----

struct S3Example {
  std::string name;
  nlohmann::json json;
};

std::vector<S3Example> s3_examples(const std::string& auth) {
  const auto all = nlohmann::json::parse(read_bytes(kSuiteDir / "s3-examples.json"));
  std::vector<S3Example> out;
  for (const auto& example : all["examples"]) {
    if (example["auth"] == auth) out.push_back({example["name"], example});
  }
  return out;
}

void PrintTo(const S3Example& example, std::ostream* out) { *out << example.name; }

class S3Examples : public ::testing::TestWithParam<S3Example> {};

TEST_P(S3Examples, EveryStageMatches) {
  const auto all = nlohmann::json::parse(read_bytes(kSuiteDir / "s3-examples.json"));
  const auto& example = GetParam().json;
  const Credentials credentials{all["credentials"]["access_key_id"], all["credentials"]["secret_access_key"], "",
                                std::nullopt};
  const Scope scope{all["region"], all["service"]};
  const auto time = parse_time(all["amz_date"]);

  HttpRequest request;
  request.method = example["method"];
  std::string query;
  for (const auto& pair : example["query"]) {
    query += (query.empty() ? "?" : "&") + uri_encode(pair[0].get<std::string>(), false);
    if (!pair[1].get<std::string>().empty()) query += "=" + uri_encode(pair[1].get<std::string>(), false);
  }
  request.url = "https://" + all["host"].get<std::string>() + example["path"].get<std::string>() + query;
  for (const auto& [name, value] : example["headers"].items()) request.headers.emplace_back(name, value);
  request.body = example["payload"];

  Options options = s3_options();
  prepare(request, credentials, time, options);
  const Stages stages = compute_stages(request, credentials, scope, time, options);
  EXPECT_EQ(stages.canonical_request, example["canonical_request"]);
  EXPECT_EQ(stages.string_to_sign, example["string_to_sign"]);
  EXPECT_EQ(stages.signature, example["signature"]);
  // The S3 page writes the Authorization parts separated by "," where the suites use ", "; both
  // forms are accepted by AWS, so compare with the separators' spaces removed.
  std::string ours = stages.authorization;
  for (auto at = ours.find(", "); at != std::string::npos; at = ours.find(", ")) ours.erase(at + 1, 1);
  EXPECT_EQ(ours, example["authorization"]);
}

std::string s3_label(const ::testing::TestParamInfo<S3Example>& info) {
  std::string label;
  for (const char c : info.param.name) {
    if (std::isalnum(static_cast<unsigned char>(c))) label.push_back(c);
  }
  return label;
}

INSTANTIATE_TEST_SUITE_P(S3Documentation, S3Examples, ::testing::ValuesIn(s3_examples("header")), s3_label);

TEST(S3PresignedExample, EveryStageAndTheUrlMatch) {
  const auto all = nlohmann::json::parse(read_bytes(kSuiteDir / "s3-examples.json"));
  const auto examples = s3_examples("query");
  ASSERT_EQ(examples.size(), 1U);
  const auto& example = examples[0].json;
  const Credentials credentials{all["credentials"]["access_key_id"], all["credentials"]["secret_access_key"], "",
                                std::nullopt};
  // The example's query holds the X-Amz-* parameters presigning adds: the input is the bare GET.
  HttpRequest request;
  request.method = example["method"];
  request.url = "https://" + all["host"].get<std::string>() + example["path"].get<std::string>();
  Options options = s3_options();
  options.payload_hash = example["payload_sha256"];
  const Presigned presigned = presign(request, credentials, {all["region"], all["service"]},
                                      parse_time(all["amz_date"]), std::chrono::seconds(86400), options);
  EXPECT_EQ(presigned.stages.canonical_request, example["canonical_request"]);
  EXPECT_EQ(presigned.stages.string_to_sign, example["string_to_sign"]);
  EXPECT_EQ(presigned.stages.signature, example["signature"]);
  EXPECT_EQ(presigned.url, example["presigned_url"]);
}

TEST(S3ExamplesInventory, FourHeaderSignedExamples) { EXPECT_EQ(s3_examples("header").size(), 4U); }

// ---- Helpers and behaviour the suites do not cover ----

TEST(Sigv4Helpers, Sha256OfEmptyAndKnownInput) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("Welcome to Amazon S3."), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST(Sigv4Helpers, UriEncodeKeepsUnreservedAndOptionallySlash) {
  EXPECT_EQ(uri_encode("a b/c~d+e*", true), "a%20b/c~d%2Be%2A");
  EXPECT_EQ(uri_encode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(uri_encode("\xE1\x88\xB4", false), "%E1%88%B4");
}

TEST(Sigv4Helpers, AmzDateIsUtcBasicFormat) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1440938160)), "20150830T123600Z");
}

TEST(Sigv4Sign, HostDerivedFromUrlWithoutDefaultPort) {
  const auto time = parse_time(kSuiteTime);
  HttpRequest https{"GET", "https://example.amazonaws.com:443/", {}, "", nullptr, {}};
  sign(https, kSuiteCredentials, kSuiteScope, time, Options{});
  EXPECT_EQ(header_of(https, "Host"), "example.amazonaws.com");
  // Same request as the suite's get-vanilla once Host is derived: same signature.
  EXPECT_EQ(header_of(https, "Authorization"), read_bytes(kSuiteDir / "aws4_testsuite/get-vanilla/get-vanilla.authz"));

  HttpRequest custom{"GET", "http://127.0.0.1:9000/bucket/key", {}, "", nullptr, {}};
  sign(custom, kSuiteCredentials, kSuiteScope, time, s3_options());
  EXPECT_EQ(header_of(custom, "Host"), "127.0.0.1:9000");
}

TEST(Sigv4Sign, ResigningReplacesDateAndAuthorization) {
  HttpRequest request{"GET", "https://example.amazonaws.com/", {}, "", nullptr, {}};
  sign(request, kSuiteCredentials, kSuiteScope, parse_time("20150830T000000Z"), Options{});
  sign(request, kSuiteCredentials, kSuiteScope, parse_time(kSuiteTime), Options{});
  int authorizations = 0;
  for (const auto& header : request.headers) authorizations += header.first == "Authorization" ? 1 : 0;
  EXPECT_EQ(authorizations, 1);
  EXPECT_EQ(header_of(request, "X-Amz-Date"), kSuiteTime);
  EXPECT_EQ(header_of(request, "Authorization"),
            read_bytes(kSuiteDir / "aws4_testsuite/get-vanilla/get-vanilla.authz"));
}

TEST(Sigv4Sign, S3SignsPathAsSentAndContentHash) {
  // An encoded key must not be encoded again or normalised for S3; a generic service would.
  HttpRequest request{"PUT", "https://b.s3.amazonaws.com/a%20b//./c", {}, "x", nullptr, {}};
  Options s3 = s3_options();
  prepare(request, kSuiteCredentials, parse_time(kSuiteTime), s3);
  const Stages s3_stages = compute_stages(request, kSuiteCredentials, kSuiteScope, parse_time(kSuiteTime), s3);
  EXPECT_EQ(s3_stages.canonical_request.substr(0, s3_stages.canonical_request.find('\n', 4)), "PUT\n/a%20b//./c");
  EXPECT_EQ(header_of(request, "x-amz-content-sha256"), sha256_hex("x"));
  const Stages generic = compute_stages(request, kSuiteCredentials, kSuiteScope, parse_time(kSuiteTime), Options{});
  EXPECT_EQ(generic.canonical_request.substr(0, generic.canonical_request.find('\n', 4)), "PUT\n/a%2520b/c");
}

TEST(Sigv4Sign, UnsignedPayloadHashIsKept) {
  HttpRequest request{"PUT", "https://b.s3.amazonaws.com/k", {}, "body", nullptr, {}};
  Options options = s3_options();
  options.payload_hash = "UNSIGNED-PAYLOAD";
  sign(request, kSuiteCredentials, {"us-east-1", "s3"}, parse_time(kSuiteTime), options);
  EXPECT_EQ(header_of(request, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  const Stages stages =
      compute_stages(request, kSuiteCredentials, {"us-east-1", "s3"}, parse_time(kSuiteTime), options);
  EXPECT_EQ(stages.canonical_request.substr(stages.canonical_request.rfind('\n') + 1), "UNSIGNED-PAYLOAD");
}

}  // namespace
}  // namespace txt2pdf::sigv4
