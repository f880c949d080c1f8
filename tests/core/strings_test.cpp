#include "txt2pdf/core/strings.hpp"

#include <gtest/gtest.h>

namespace txt2pdf {
namespace {

TEST(Strings, ToLowerIsAsciiOnly) {
  EXPECT_EQ(to_lower("Content-Type"), "content-type");
  EXPECT_EQ(to_lower("X-Amz-Meta-ÄB"), "x-amz-meta-Äb") << "UTF-8 bytes pass through";
  EXPECT_EQ(to_lower(""), "");
}

TEST(Strings, IequalsIgnoresAsciiCaseOnly) {
  EXPECT_TRUE(iequals("ETag", "etag"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("etag", "etags"));
  EXPECT_FALSE(iequals("Ä", "ä"));
}

TEST(Strings, TrimRemovesSpacesTabsAndLineEnds) {
  EXPECT_EQ(trim("  token\r\n"), "token");
  EXPECT_EQ(trim("\ta b\t"), "a b");
  EXPECT_EQ(trim(" \r\n\t"), "");
  EXPECT_EQ(trim(""), "");
}

// The job compared ETags quoted, the dispatcher unquoted: one rule now.
TEST(Strings, SameEtagIgnoresOnlySurroundingQuotes) {
  EXPECT_TRUE(same_etag("\"9b2cf535f27731c974343645a3985328\"", "9b2cf535f27731c974343645a3985328"));
  EXPECT_TRUE(same_etag("\"abc-2\"", "\"abc-2\""));
  EXPECT_TRUE(same_etag("abc", "abc"));
  EXPECT_FALSE(same_etag("\"abc\"", "\"abd\""));
  EXPECT_FALSE(same_etag("", ""));
  EXPECT_FALSE(same_etag("\"\"", ""));
  EXPECT_FALSE(same_etag("W/\"abc\"", "\"abc\""));
  EXPECT_EQ(unquoted_etag("\"abc\""), "abc");
  EXPECT_EQ(unquoted_etag("abc"), "abc");
  EXPECT_EQ(unquoted_etag("\""), "\"");
}

}  // namespace
}  // namespace txt2pdf
