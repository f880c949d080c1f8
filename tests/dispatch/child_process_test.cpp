// The pure part of child_process: which line of a failed job's log becomes the DLQ reason, and the
// bounded capture of a child's stderr (fed here through its pipe by the test itself: no process).
#include "txt2pdf/dispatch/child_process.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace txt2pdf {
namespace {

TEST(LastErrorInLog, TakesTheErrorOfTheLastJsonLineThatHasOne) {
  const std::string log =
      "{\"level\":\"info\",\"msg\":\"downloading\"}\n"
      "{\"error\":\"first\",\"level\":\"error\",\"msg\":\"render failed\"}\n"
      "{\"error\":\"input looks binary: NUL byte at offset 0\",\"level\":\"error\"}\n"
      "{\"level\":\"info\",\"msg\":\"1 of 1 files failed\"}\n";
  EXPECT_EQ(last_error_in_log(log), "input looks binary: NUL byte at offset 0");
}

TEST(LastErrorInLog, HumanFormatAndNothingUseful) {
  EXPECT_EQ(last_error_in_log("info: starting\nerror: render failed error=input looks binary\nbye\n"),
            "render failed error=input looks binary");
  EXPECT_EQ(last_error_in_log(""), "");
  EXPECT_EQ(last_error_in_log("just some output\n{\"msg\":\"no error field\"}\n{not json\n"), "");
  // A JSON error wins over an earlier human line; a JSON line whose error is not a string does not count.
  EXPECT_EQ(last_error_in_log("error: old\n{\"error\":7}\n"), "old");
}

TEST(LastErrorInLog, ControlCharactersAndLengthAreBounded) {
  const std::string log = "{\"error\":\"forged\\nline\\u001b[31m" + std::string(2000, 'x') + "\"}";
  const auto said = last_error_in_log(log, 40);
  EXPECT_EQ(said.size(), 40U);
  EXPECT_EQ(said.rfind("forged?line?[31m", 0), 0U) << said;
}

TEST(StderrCapture, KeepsOnlyTheTailAndFindsTheLastError) {
  StderrCapture capture(128);
  const std::string noise(1000, 'n');
  const std::string text = noise + "\n{\"error\":\"the reason\"}\n";
  ASSERT_EQ(::write(capture.child_end(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  capture.close_child_end();
  capture.drain(true);
  EXPECT_EQ(capture.last_error(), "the reason");
  capture.drain(true);  // end of stream: nothing more, and no blocking
  EXPECT_EQ(capture.last_error(), "the reason");
}

TEST(DescribeWaitStatus, NamesExitAndSignal) {
  EXPECT_EQ(describe_wait_status(3 << 8), "exited with code 3");
  EXPECT_EQ(describe_wait_status(9), "killed by signal 9");
}

}  // namespace
}  // namespace txt2pdf
