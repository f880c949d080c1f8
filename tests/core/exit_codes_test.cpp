#include "txt2pdf/core/exit_codes.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <new>
#include <regex>
#include <set>
#include <sstream>

namespace txt2pdf {
namespace {

TEST(ExitCodes, EveryKindMapsToItsDocumentedCode) {
  EXPECT_EQ(exit_code_for(ErrorKind::kConfig), 64);
  EXPECT_EQ(exit_code_for(ErrorKind::kBadInput), 65);
  EXPECT_EQ(exit_code_for(ErrorKind::kNotFound), 66);
  EXPECT_EQ(exit_code_for(ErrorKind::kInternal), 70);
  EXPECT_EQ(exit_code_for(ErrorKind::kTransient), 75);
  EXPECT_EQ(exit_code_for(ErrorKind::kVerifyMismatch), 75);
  EXPECT_EQ(exit_code_for(ErrorKind::kCancelled), 75);
  EXPECT_EQ(exit_code_for(ErrorKind::kAccessDenied), 77);
}

TEST(ExitCodes, RetryableErrorsAreExactlyThoseThatExit75) {
  for (auto kind : {ErrorKind::kConfig, ErrorKind::kBadInput, ErrorKind::kNotFound, ErrorKind::kAccessDenied,
                    ErrorKind::kTransient, ErrorKind::kVerifyMismatch, ErrorKind::kCancelled, ErrorKind::kInternal}) {
    const Error error(kind, "x");
    EXPECT_EQ(error.retryable(), exit_code_for(error) == kExitTransient) << to_string(kind);
  }
}

TEST(ExitCodes, TableRetryColumnAgreesWithMapping) {
  std::set<int> codes;
  for (const auto& row : kExitCodeTable) {
    EXPECT_TRUE(codes.insert(row.code).second) << "duplicate code " << row.code;
    EXPECT_EQ(row.retry, row.code == kExitTransient) << row.name;
  }
}

// Out of memory has one answer everywhere (it was 75 in the job's catch-all and 70 in `render`):
// 65, permanent, so an input too large for the memory limit never loops through retries.
TEST(ExitCodes, CatchAllMapsUnknownExceptionsToInternalAndOomToBadInput) {
  EXPECT_EQ(exit_code_for(std::make_exception_ptr(std::runtime_error("boom"))), kExitInternal);
  EXPECT_EQ(exit_code_for(std::make_exception_ptr(std::bad_alloc())), kExitBadInput);
  EXPECT_EQ(exit_code_for(std::make_exception_ptr(Error(ErrorKind::kNotFound, "gone"))), kExitNotFound);
  EXPECT_EQ(exit_code_for(std::make_exception_ptr(42)), kExitInternal);
}

TEST(ExitCodes, ErrorFromGivesTheSameAnswerWithAMessage) {
  const auto oom = error_from(std::make_exception_ptr(std::bad_alloc()));
  EXPECT_EQ(oom.kind(), ErrorKind::kBadInput);
  EXPECT_FALSE(oom.retryable());
  EXPECT_NE(std::string(oom.what()).find("more memory than"), std::string::npos) << oom.what();
  EXPECT_EQ(exit_code_for(oom), exit_code_for(std::make_exception_ptr(std::bad_alloc())));
  const auto bug = error_from(std::make_exception_ptr(std::logic_error("boom")));
  EXPECT_EQ(bug.kind(), ErrorKind::kInternal);
  EXPECT_STREQ(bug.what(), "boom");
  const auto kept =
      error_from(std::make_exception_ptr(Error(ErrorKind::kAccessDenied, "no").with_aws(403, "AccessDenied", "r")));
  EXPECT_EQ(kept.kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(kept.aws_code(), "AccessDenied");
}

TEST(ExitCodes, KindForExitCodeInvertsTheTable) {
  for (const auto& row : kExitCodeTable) {
    const auto kind = error_kind_for_exit_code(row.code);
    if (row.code == kExitOk) {
      EXPECT_FALSE(kind);
      continue;
    }
    ASSERT_TRUE(kind) << row.code;
    EXPECT_EQ(exit_code_for(*kind), row.code);
    EXPECT_STREQ(to_string(*kind), row.name) << "the table's name is the kind's name";
  }
  for (int code : {1, 2, 137, 255}) EXPECT_FALSE(error_kind_for_exit_code(code)) << code;
}

TEST(ExitCodes, RetryScopeFollowsTheKindUnlessSet) {
  EXPECT_EQ(Error(ErrorKind::kTransient, "x").retry_scope(), RetryScope::kRequest);
  EXPECT_EQ(Error(ErrorKind::kVerifyMismatch, "x").retry_scope(), RetryScope::kJob);
  EXPECT_EQ(Error(ErrorKind::kCancelled, "x").retry_scope(), RetryScope::kJob);
  for (auto kind : {ErrorKind::kConfig, ErrorKind::kBadInput, ErrorKind::kNotFound, ErrorKind::kAccessDenied,
                    ErrorKind::kInternal}) {
    EXPECT_EQ(Error(kind, "x").retry_scope(), RetryScope::kNever) << to_string(kind);
  }
  Error precondition(ErrorKind::kTransient, "412");
  precondition.with_retry_scope(RetryScope::kJob);
  EXPECT_TRUE(precondition.retryable());
  EXPECT_EQ(exit_code_for(precondition), kExitTransient);
  EXPECT_STREQ(to_string(precondition.retry_scope()), "job");
}

// The README's exit-code table is the user's contract: every code in the table must be in the
// README with the same retry advice.
TEST(ExitCodes, ReadmeTableListsEveryCode) {
  std::ifstream readme(TXT2PDF_SOURCE_DIR "/README.md");
  ASSERT_TRUE(readme) << "README.md not found";
  std::stringstream text;
  text << readme.rdbuf();
  for (const auto& row : kExitCodeTable) {
    const std::regex line("\\|\\s*" + std::to_string(row.code) + "\\s*\\|\\s*`" + row.name + "`\\s*\\|\\s*" +
                          (row.retry ? "yes" : "no") + "\\s*\\|");
    EXPECT_TRUE(std::regex_search(text.str(), line)) << "README lacks the row for exit code " << row.code;
  }
}

}  // namespace
}  // namespace txt2pdf
