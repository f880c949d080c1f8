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

TEST(ExitCodes, CatchAllMapsUnknownExceptionsToInternalAndOomToTransient) {
  EXPECT_EQ(exit_code_for(std::make_exception_ptr(std::runtime_error("boom"))), kExitInternal);
  EXPECT_EQ(exit_code_for(std::make_exception_ptr(std::bad_alloc())), kExitTransient);
  EXPECT_EQ(exit_code_for(std::make_exception_ptr(Error(ErrorKind::kNotFound, "gone"))), kExitNotFound);
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
