// Untrusted bytes made safe for JSON, SQS attributes and terminal logs (issue 12, bugs 1 and 9).
#include "txt2pdf/core/text_safety.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "txt2pdf/core/log.hpp"

namespace txt2pdf {
namespace {

TEST(TextSafety, RecognisesWellFormedUtf8) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain/key.txt"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("bad/\xFF\xFE.txt"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // cut short
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST(TextSafety, InvalidBytesArePercentEscapedAndTheResultSerialises) {
  const std::string key = "bad/\xFF\xFE.txt";
  EXPECT_THROW((void)nlohmann::json(key).dump(), nlohmann::json::type_error) << "the crash of issue 12 bug 1";
  const auto escaped = escape_invalid_utf8(key);
  EXPECT_EQ(escaped, "bad/%FF%FE.txt");
  EXPECT_NO_THROW((void)nlohmann::json(escaped).dump());
  EXPECT_EQ(escape_invalid_utf8("caf\xC3\xA9"), "caf\xC3\xA9") << "valid text is unchanged";
}

TEST(TextSafety, SqsCharactersEscapeControlsButKeepTabsAndNewlines) {
  EXPECT_EQ(escape_invalid_utf8(std::string("a\x01z\tb\nc", 7), true), "a%01z\tb\nc");
  EXPECT_EQ(escape_invalid_utf8(std::string("nul\0end", 7), true), "nul%00end");
  EXPECT_EQ(escape_invalid_utf8("\xEF\xBF\xBF", true), "%EF%BF%BF");  // U+FFFF
  EXPECT_EQ(escape_invalid_utf8(std::string("a\x01", 2), false), std::string("a\x01", 2));
}

TEST(TextSafety, TruncationNeverSplitsACharacter) {
  std::string long_key;
  for (int i = 0; i < 600; ++i) long_key += "\xC3\xA9";  // 1,200 bytes of é
  const auto cut = truncate_utf8(long_key, 1024);
  EXPECT_EQ(cut.size(), 1024u);
  EXPECT_TRUE(is_valid_utf8(cut));
  const auto odd = truncate_utf8("x" + long_key, 1024);  // the 1,024th byte starts an é
  EXPECT_EQ(odd.size(), 1023u);
  EXPECT_TRUE(is_valid_utf8(odd));
  EXPECT_EQ(truncate_utf8("short", 1024), "short");
}

TEST(TextSafety, TerminalEscapingDefeatsForgedLines) {
  EXPECT_EQ(escape_for_terminal("a\nerror: forged"), "a\\nerror: forged");
  EXPECT_EQ(escape_for_terminal("\x1b[31mred\r\t\\"), "\\x1B[31mred\\r\\t\\\\");
  EXPECT_EQ(escape_for_terminal("c1 \xC2\x9B end"), "c1 \\xC2\\x9B end");
  EXPECT_EQ(escape_for_terminal("bad \xFF"), "bad \\xFF");
  EXPECT_EQ(escape_for_terminal("caf\xC3\xA9"), "caf\xC3\xA9");
}

// Issue 12, bug 9. Before: the human log printed the key raw, so a key holding "\nerror: ..." wrote
// a second, forged log line.
TEST(TextSafety, HumanLogLinesCannotBeForgedByAKey) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const Logger log(LogFormat::kHuman, pipe_fds[1]);
  log.info("job started", {{"key", "a.txt\nerror: forged line \x1b[2J"}, {"bad", "\xFF"}});
  ::close(pipe_fds[1]);
  std::string written;
  char buffer[512];
  for (ssize_t got; (got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
    written.append(buffer, static_cast<std::size_t>(got));
  ::close(pipe_fds[0]);
  EXPECT_EQ(written, "info: job started bad=\\xFF key=a.txt\\nerror: forged line \\x1B[2J\n");
}

}  // namespace
}  // namespace txt2pdf
