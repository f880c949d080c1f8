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

TEST(Strings, PercentDecodeKeepsInvalidEscapesAndPlus) {
  EXPECT_EQ(percent_decode("a%20b%2fc+d"), "a b/c+d");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("%41%4a%4A"), "AJJ");
  EXPECT_EQ(percent_decode("%%41"), "%A");
}

TEST(Strings, HexDigitValueBothCases) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('f'), 15);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
}

}  // namespace
}  // namespace txt2pdf
