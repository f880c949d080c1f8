#include "txt2pdf/core/temp_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"

namespace txt2pdf {
namespace {

std::string dir() { return std::filesystem::temp_directory_path().string(); }

TEST(TempFile, CreatedWithPrefixAndSuffixAndRemovedAtScopeEnd) {
  std::string path;
  {
    TempFile file(dir(), "txt2pdf-test-", ".pdf");
    path = file.path();
    EXPECT_EQ(std::filesystem::path(path).filename().string().rfind("txt2pdf-test-", 0), 0u);
    EXPECT_EQ(std::filesystem::path(path).extension(), ".pdf");
    EXPECT_GE(file.fd(), 0);
    write_all(file.fd(), "hello", path);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), "hello");
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(TempFile, ReleasedFileStays) {
  std::string path;
  {
    TempFile file(dir(), "txt2pdf-test-", "");
    file.close();
    EXPECT_EQ(file.fd(), -1);
    path = file.path();
    file.release();
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove(path);
}

// One answer in the job and in `render`: 75 (it was 70 in the job).
TEST(TempFile, CannotCreateIsTransient) {
  try {
    TempFile file("/nonexistent-txt2pdf-dir", "x-", ".txt");
    ADD_FAILURE() << "created " << file.path();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kTransient);
    EXPECT_EQ(exit_code_for(error), 75);
    EXPECT_NE(std::string(error.what()).find("cannot create a temporary file in /nonexistent-txt2pdf-dir"),
              std::string::npos)
        << error.what();
  }
}

TEST(TempFile, WriteAllToAClosedDescriptorIsTransient) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[1]);
  try {
    write_all(fds[1], "x", "the PDF");
    ADD_FAILURE() << "wrote";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kTransient);
    EXPECT_NE(std::string(error.what()).find("cannot write the PDF"), std::string::npos) << error.what();
  }
  ::close(fds[0]);
}

}  // namespace
}  // namespace txt2pdf
