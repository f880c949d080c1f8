// The one parser for configuration values: every syntax it accepts and refuses, and the cases the
// three earlier parsers disagreed on (TXT2PDF_S3_FORCE_PATH_STYLE=on, ENABLED, TRUE...).
#include "txt2pdf/core/env_values.hpp"

#include <gtest/gtest.h>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

using namespace std::chrono_literals;

// Runs `parse` expecting Error(kConfig) whose message names the variable and the value.
template <typename Parse>
void expect_refused(const char* variable, const std::string& value, Parse parse) {
  try {
    (void)parse(variable, value);
    ADD_FAILURE() << variable << "=" << value << " accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig) << error.what();
    const std::string message = error.what();
    EXPECT_NE(message.find(variable), std::string::npos) << message;
    EXPECT_NE(message.find("\"" + value + "\""), std::string::npos) << message;
  }
}

TEST(EnvValues, BooleansOneSetAnyCase) {
  for (const char* yes : {"true", "TRUE", "True", "1", "yes", "YES", "on", "On", "enabled", "ENABLED"}) {
    EXPECT_TRUE(parse_bool("X", yes)) << yes;
  }
  for (const char* no : {"false", "FALSE", "0", "no", "No", "off", "OFF", "disabled", "DISABLED"}) {
    EXPECT_FALSE(parse_bool("X", no)) << no;
  }
  for (const char* bad : {"", "2", "y", "n", "maybe", " true", "true ", "onn"}) {
    EXPECT_FALSE(value_bool(bad)) << bad;
    expect_refused("TXT2PDF_S3_FORCE_PATH_STYLE", bad, [](auto v, auto t) { return parse_bool(v, t); });
  }
}

TEST(EnvValues, IntegersWithARange) {
  EXPECT_EQ(parse_integer("N", "0", 0, 10), 0);
  EXPECT_EQ(parse_integer("N", "10", 0, 10), 10);
  EXPECT_EQ(parse_integer("N", "-5", -10, 10), -5);
  for (const char* bad : {"", "11", "-1", "4x", "x4", " 4", "4 ", "+4", "1e2", "3.0", "99999999999999999999"}) {
    expect_refused("MAX_CONCURRENCY", bad, [](auto v, auto t) { return parse_integer(v, t, 0, 10); });
  }
}

TEST(EnvValues, DurationsAreWholeSeconds) {
  EXPECT_EQ(parse_duration("D", "20", 0s, 20s), 20s);
  EXPECT_EQ(parse_duration("D", "20s", 0s, 20s), 20s);
  EXPECT_EQ(parse_duration("D", "0", 0s, 20s), 0s);
  for (const char* bad : {"", "s", "21", "21s", "1.5", "2m", "20ms", "20 s", "-1", "PT20S"}) {
    expect_refused("WAIT_TIME_SECONDS", bad, [](auto v, auto t) { return parse_duration(v, t, 0s, 20s); });
  }
}

TEST(EnvValues, ByteSizesInPowersOf1024) {
  EXPECT_EQ(parse_byte_size("X", "1024"), 1024u);
  EXPECT_EQ(parse_byte_size("X", "7B"), 7u);
  EXPECT_EQ(parse_byte_size("X", "512KiB"), 512u << 10);
  EXPECT_EQ(parse_byte_size("X", "512K"), 512u << 10);
  EXPECT_EQ(parse_byte_size("X", "2MiB"), 2u << 20);
  EXPECT_EQ(parse_byte_size("X", "1GiB"), 1u << 30);
  EXPECT_EQ(parse_byte_size("X", "1G"), 1u << 30);
  for (const char* bad : {"", "0", "0MiB", "1MB", "1mib", "1.5MiB", "-1", "MiB", "1 MiB", "99999999999GiB"}) {
    expect_refused("MAX_INPUT_BYTES", bad, [](auto v, auto t) { return parse_byte_size(v, t); });
  }
}

TEST(EnvValues, UrlsAreHttpEndpoints) {
  EXPECT_EQ(parse_url("U", "http://127.0.0.1:7480"), "http://127.0.0.1:7480");
  EXPECT_EQ(parse_url("U", "https://s3.eu-west-1.amazonaws.com/"), "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(parse_url("U", "http://localhost:9000/prefix//"), "http://localhost:9000/prefix");
  for (const char* bad :
       {"", "127.0.0.1:7480", "ftp://host", "HTTP://host", "http://", "https:///path", "s3://bucket"}) {
    expect_refused("AWS_ENDPOINT_URL_S3", bad, [](auto v, auto t) { return parse_url(v, t); });
  }
}

TEST(EnvValues, EnvironmentLookupsUseTheFallbackWhenUnsetOrEmpty) {
  const Environment env{{"ON", "on"}, {"EMPTY", ""}, {"N", "7"}, {"D", "9s"}, {"U", "http://h/"}};
  EXPECT_TRUE(env_bool(env, "ON", false));
  EXPECT_TRUE(env_bool(env, "EMPTY", true));
  EXPECT_FALSE(env_bool(env, "UNSET", false));
  EXPECT_EQ(env_integer(env, "N", 1, 0, 10), 7);
  EXPECT_EQ(env_integer(env, "UNSET", 1, 0, 10), 1);
  EXPECT_EQ(env_duration(env, "D", 1s, 0s, 10s), 9s);
  EXPECT_EQ(env_duration(env, "EMPTY", 1s, 0s, 10s), 1s);
  EXPECT_EQ(env_url(env, "U"), std::optional<std::string>("http://h"));
  EXPECT_FALSE(env_url(env, "UNSET"));
  EXPECT_THROW((void)env_integer(env, "ON", 1, 0, 10), Error);
}

}  // namespace
}  // namespace txt2pdf
