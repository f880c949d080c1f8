#include "txt2pdf/net/http_request_line.hpp"

#include <gtest/gtest.h>

namespace txt2pdf {
namespace {

TEST(HttpRequestLine, MethodAndTargetOfTheFirstLine) {
  const auto line = parse_http_request_line("GET /healthz?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->method, "GET");
  EXPECT_EQ(line->target, "/healthz?verbose=1");
}

TEST(HttpRequestLine, BareLineFeedsAndNoVersion) {
  const auto line = parse_http_request_line("HEAD /metrics\n\n");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->method, "HEAD");
  EXPECT_EQ(line->target, "/metrics");
}

TEST(HttpRequestLine, NoSpaceIsNoRequestLine) {
  EXPECT_FALSE(parse_http_request_line(""));
  EXPECT_FALSE(parse_http_request_line("GET\r\n /healthz HTTP/1.1\r\n"));
}

TEST(HttpRequestLine, MethodAndTargetOrNothing) {
  const auto line = parse_http_request_line("GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->method, "GET");
  EXPECT_EQ(line->target, "/healthz?x=1");
  EXPECT_TRUE(parse_http_request_line("GET /metrics"));
  EXPECT_FALSE(parse_http_request_line(""));
  EXPECT_FALSE(parse_http_request_line("GET"));
  EXPECT_FALSE(parse_http_request_line(" /x HTTP/1.1"));
  EXPECT_FALSE(parse_http_request_line("GET  HTTP/1.1"));
}

}  // namespace
}  // namespace txt2pdf
