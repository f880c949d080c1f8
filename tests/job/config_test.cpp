#include "txt2pdf/job/config.hpp"

#include <gtest/gtest.h>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

Environment minimal_env() {
  return {{"SOURCE_BUCKET", "in-bucket"}, {"OBJECT_KEY", "logs/app.txt"}, {"DEST_BUCKET", "out-bucket"}};
}

// Runs parse_job_config expecting a kConfig error whose message names `variable`.
void expect_config_error(const Environment& env, const std::string& variable) {
  try {
    (void)parse_job_config(env);
    FAIL() << "expected a configuration error naming " << variable;
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find(variable), std::string::npos) << error.what();
  }
}

TEST(JobConfig, MinimalEnvironmentGivesDocumentedDefaults) {
  const auto config = parse_job_config(minimal_env());
  EXPECT_EQ(config.source_bucket, "in-bucket");
  EXPECT_EQ(config.object_key, "logs/app.txt");
  EXPECT_EQ(config.dest_bucket, "out-bucket");
  EXPECT_EQ(config.dest_key, "logs/app.pdf");
  EXPECT_EQ(config.s3.region, "us-east-1");
  EXPECT_TRUE(config.s3.endpoint_url.empty());
  EXPECT_FALSE(config.s3.force_path_style);
  EXPECT_EQ(config.sse, SseMode::kAes256);
  EXPECT_EQ(config.max_input_bytes, 256ull * 1024 * 1024);
  EXPECT_EQ(config.log_format, LogFormat::kJson);
}

TEST(JobConfig, EachRequiredVariableIsNamedWhenMissingOrEmpty) {
  for (const char* variable : {"SOURCE_BUCKET", "OBJECT_KEY", "DEST_BUCKET"}) {
    auto env = minimal_env();
    env.erase(variable);
    expect_config_error(env, variable);
    env[variable] = "";
    expect_config_error(env, variable);
  }
}

TEST(JobConfig, DestinationKeyReplacesTrailingTxtOrAppendsPdf) {
  EXPECT_EQ(default_dest_key("a/b/report.txt"), "a/b/report.pdf");
  EXPECT_EQ(default_dest_key("REPORT.TXT"), "REPORT.pdf");
  EXPECT_EQ(default_dest_key("data.csv"), "data.csv.pdf");
  EXPECT_EQ(default_dest_key("noext"), "noext.pdf");
  EXPECT_EQ(default_dest_key(".txt"), ".txt.pdf");  // a bare ".txt" has no name to keep
  EXPECT_EQ(default_dest_key("txt"), "txt.pdf");
  auto env = minimal_env();
  env["DEST_KEY"] = "custom/out.pdf";
  EXPECT_EQ(parse_job_config(env).dest_key, "custom/out.pdf");
}

TEST(JobConfig, ObjectKeyIsTakenLiterally) {
  auto env = minimal_env();
  for (const char* key : {"a b+c%2B=d.txt", "dir//nested/ü日本.txt", "100%.txt", "+plus"}) {
    env["OBJECT_KEY"] = key;
    EXPECT_EQ(parse_job_config(env).object_key, key);
  }
}

TEST(JobConfig, InvalidUtf8KeyIsRefusedWithTheByteOffset) {
  auto env = minimal_env();
  env["OBJECT_KEY"] = std::string("ok\xff.txt");
  try {
    (void)parse_job_config(env);
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("byte 2"), std::string::npos) << error.what();
  }
}

TEST(JobConfig, BucketNamesAreChecked) {
  auto env = minimal_env();
  env["SOURCE_BUCKET"] = "s3://in-bucket";
  expect_config_error(env, "SOURCE_BUCKET");
  env = minimal_env();
  env["DEST_BUCKET"] = "ab";
  expect_config_error(env, "DEST_BUCKET");
}

TEST(JobConfig, RefusesToOverwriteTheSource) {
  auto env = minimal_env();
  env["DEST_BUCKET"] = "in-bucket";
  env["DEST_KEY"] = "logs/app.txt";
  expect_config_error(env, "DEST_KEY");
}

TEST(JobConfig, RegionAndEndpointFollowSdkPrecedence) {
  auto env = minimal_env();
  env["AWS_DEFAULT_REGION"] = "eu-west-1";
  EXPECT_EQ(parse_job_config(env).s3.region, "eu-west-1");
  env["AWS_REGION"] = "eu-central-1";
  EXPECT_EQ(parse_job_config(env).s3.region, "eu-central-1");
  env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:7480/";
  EXPECT_EQ(parse_job_config(env).s3.endpoint_url, "http://127.0.0.1:7480");
  env["AWS_ENDPOINT_URL_S3"] = "http://localhost:9000";
  EXPECT_EQ(parse_job_config(env).s3.endpoint_url, "http://localhost:9000");
  env["AWS_ENDPOINT_URL_S3"] = "localhost:9000";
  expect_config_error(env, "AWS_ENDPOINT_URL_S3");
}

TEST(JobConfig, SseModes) {
  auto env = minimal_env();
  env["TXT2PDF_SSE"] = "none";
  EXPECT_EQ(parse_job_config(env).sse, SseMode::kNone);
  env["TXT2PDF_SSE"] = "aws:kms";
  env["TXT2PDF_SSE_KMS_KEY_ID"] = "alias/pdf";
  const auto config = parse_job_config(env);
  EXPECT_EQ(config.sse, SseMode::kKms);
  EXPECT_EQ(config.kms_key_id, "alias/pdf");
  env["TXT2PDF_SSE"] = "AES256";
  expect_config_error(env, "TXT2PDF_SSE_KMS_KEY_ID");
  env["TXT2PDF_SSE"] = "aes256";
  expect_config_error(env, "TXT2PDF_SSE");
}

TEST(JobConfig, SizesAndNumbers) {
  EXPECT_EQ(parse_byte_size("X", "1024"), 1024u);
  EXPECT_EQ(parse_byte_size("X", "2MiB"), 2u << 20);
  EXPECT_EQ(parse_byte_size("X", "1GiB"), 1u << 30);
  auto env = minimal_env();
  for (const char* bad : {"-1", "0", "12 MB", "lots", "99999999999999999999"}) {
    env["MAX_INPUT_BYTES"] = bad;
    expect_config_error(env, "MAX_INPUT_BYTES");
  }
  env = minimal_env();
  env["TXT2PDF_MAX_ATTEMPTS"] = "0";
  expect_config_error(env, "TXT2PDF_MAX_ATTEMPTS");
  env["TXT2PDF_MAX_ATTEMPTS"] = "3";
  EXPECT_EQ(parse_job_config(env).max_attempts, 3);
  env["TXT2PDF_S3_FORCE_PATH_STYLE"] = "maybe";
  expect_config_error(env, "TXT2PDF_S3_FORCE_PATH_STYLE");
  env["TXT2PDF_S3_FORCE_PATH_STYLE"] = "true";
  EXPECT_TRUE(parse_job_config(env).s3.force_path_style);
  env["TXT2PDF_LOG_FORMAT"] = "xml";
  expect_config_error(env, "TXT2PDF_LOG_FORMAT");
}

// The values the dispatcher reads too go through core/env_values: the same words, the same ranges.
TEST(JobConfig, SharedValueSyntax) {
  auto env = minimal_env();
  for (const char* yes : {"on", "ON", "yes", "1", "enabled"}) {
    env["TXT2PDF_S3_FORCE_PATH_STYLE"] = yes;
    EXPECT_TRUE(parse_job_config(env).s3.force_path_style) << yes;
  }
  env["TXT2PDF_S3_FORCE_PATH_STYLE"] = "off";
  EXPECT_FALSE(parse_job_config(env).s3.force_path_style);
  env["TXT2PDF_LOW_SPEED_TIMEOUT_S"] = "45s";
  EXPECT_EQ(parse_job_config(env).low_speed_timeout, std::chrono::seconds(45));
  env["TXT2PDF_LOW_SPEED_TIMEOUT_S"] = "1.5";
  expect_config_error(env, "TXT2PDF_LOW_SPEED_TIMEOUT_S");
  env = minimal_env();
  env["TXT2PDF_CONNECT_TIMEOUT_MS"] = "250";
  EXPECT_EQ(parse_job_config(env).connect_timeout, std::chrono::milliseconds(250));
  env["AWS_ENDPOINT_URL"] = "ftp://127.0.0.1";
  expect_config_error(env, "AWS_ENDPOINT_URL");
}

// TMPDIR is read by the configuration only.
TEST(JobConfig, TemporaryDirectoryFromTmpdir) {
  auto env = minimal_env();
  EXPECT_EQ(parse_job_config(env).temp_dir, "/tmp");
  env["TMPDIR"] = "/scratch";
  EXPECT_EQ(parse_job_config(env).temp_dir, "/scratch");
}

}  // namespace
}  // namespace txt2pdf
