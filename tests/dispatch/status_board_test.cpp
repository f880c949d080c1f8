#include "txt2pdf/dispatch/status_board.hpp"

#include <gtest/gtest.h>

namespace txt2pdf {
namespace {

using std::chrono::seconds;

struct BoardTest : ::testing::Test {
  std::chrono::system_clock::time_point now{seconds(1700000000)};
  StatusBoard board{[this] { return now; }, 3, 2};
};

TEST_F(BoardTest, AnObjectGoesQueuedConvertingDone) {
  board.object_queued("in", "a.txt", "a.pdf");
  EXPECT_EQ(board.conversions().at(0).state, ConversionState::kQueued);
  now += seconds(1);
  board.job_started("in", "a.txt");
  EXPECT_EQ(board.converting(), 1);
  now += seconds(2);
  board.job_finished("in", "a.txt", true, 0, "");
  const auto entry = board.conversions().at(0);
  EXPECT_EQ(entry.state, ConversionState::kDone);
  EXPECT_EQ(entry.dest_key, "a.pdf");
  EXPECT_EQ(entry.finished_at - entry.started_at, seconds(2));
  EXPECT_EQ(board.converting(), 0);
  EXPECT_TRUE(board.errors().empty());
}

TEST_F(BoardTest, FailuresAreErrorsAndNewestComeFirstWithinCapacity) {
  for (const char* key : {"1.txt", "2.txt", "3.txt", "4.txt"}) board.object_queued("in", key, "");
  const auto list = board.conversions();
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list.front().key, "4.txt");
  EXPECT_EQ(list.back().key, "2.txt");
  board.job_finished("in", "3.txt", false, 65, "NUL byte at offset 0");
  board.dead_lettered("3.txt", "NUL byte at offset 0");
  board.receive_failed("connection refused");
  const auto errors = board.errors();
  ASSERT_EQ(errors.size(), 2U);  // capacity 2: the oldest error dropped
  EXPECT_EQ(errors[0].text, "ReceiveMessage failed: connection refused");
  EXPECT_EQ(errors[1].text, "dead-lettered 3.txt: NUL byte at offset 0");
  EXPECT_EQ(board.conversions()[1].state, ConversionState::kFailed);
  EXPECT_EQ(board.conversions()[1].exit_code, 65);
}

TEST_F(BoardTest, AReQueuedObjectStartsAfreshAtTheTop) {
  board.object_queued("in", "a.txt", "a.pdf");
  board.object_queued("in", "b.txt", "b.pdf");
  board.job_finished("in", "a.txt", false, 75, "timeout");
  board.object_queued("in", "a.txt", "a.pdf");
  const auto list = board.conversions();
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0].key, "a.txt");
  EXPECT_EQ(list[0].state, ConversionState::kQueued);
  board.set_pages("in", "a.txt", 7);
  EXPECT_EQ(board.conversions()[0].pages, 7);
  EXPECT_STREQ(state_name(ConversionState::kConverting), "converting");
}

}  // namespace
}  // namespace txt2pdf
