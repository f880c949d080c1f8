// The console server's pure pieces (the socket side is exercised by the console's integration
// and browser tests: unit tests open no socket).
#include "txt2pdf/net/http_server.hpp"

#include <gtest/gtest.h>

namespace txt2pdf {
namespace {

TEST(ParseRequestHead, MethodTargetPathQueryAndHeaders) {
  const auto request = parse_request_head(
      "POST /dead-letters/retry%20now?x=1&y=%2F HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nContent-Length:  12 \r\n\r\n");
  ASSERT_TRUE(request);
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->target, "/dead-letters/retry%20now?x=1&y=%2F");
  EXPECT_EQ(request->path, "/dead-letters/retry now");
  EXPECT_EQ(request->query, "x=1&y=%2F");
  EXPECT_EQ(request->header("HOST"), "127.0.0.1:8081");
  EXPECT_EQ(request->header("content-length"), "12");
}

TEST(ParseRequestHead, RefusesWhatIsNotHttp) {
  EXPECT_FALSE(parse_request_head("GET /\r\n\r\n"));
  EXPECT_FALSE(parse_request_head("GET / SMTP/1.0\r\n\r\n"));
  EXPECT_FALSE(parse_request_head("GET http://other/ HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(parse_request_head("GET / HTTP/1.1\r\nno colon\r\n\r\n"));
}

TEST(ParseForm, PlusIsSpaceAndValuesDecoded) {
  const auto pairs = parse_form("message_id=ab+c%2B1&empty=&flag&notice=uploaded%20x.txt");
  ASSERT_EQ(pairs.size(), 4U);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>("message_id", "ab c+1")));
  EXPECT_EQ(pairs[1].second, "");
  EXPECT_EQ(pairs[2].first, "flag");
  EXPECT_EQ(pairs[3].second, "uploaded x.txt");
}

TEST(SerializeResponse, StatusLengthExtraHeadersAndHead) {
  ServerResponse response{303, "text/plain", {{"Location", "./"}}, "moved\n"};
  const auto full = serialize_response(response, false);
  EXPECT_EQ(full.rfind("HTTP/1.1 303 See Other\r\n", 0), 0U);
  EXPECT_NE(full.find("\r\nContent-Length: 6\r\n"), std::string::npos);
  EXPECT_NE(full.find("\r\nLocation: ./\r\n"), std::string::npos);
  EXPECT_EQ(full.substr(full.size() - 10), "\r\n\r\nmoved\n");
  const auto head = serialize_response(response, true);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

}  // namespace
}  // namespace txt2pdf
