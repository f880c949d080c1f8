// TXT2PDF_LOG_FORMAT is parsed in core/log only (it was parsed in five places).
#include "txt2pdf/core/log.hpp"

#include <gtest/gtest.h>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

TEST(LogFormat, JsonOrHumanFromTheEnvironment) {
  EXPECT_EQ(value_log_format("json"), LogFormat::kJson);
  EXPECT_EQ(value_log_format("human"), LogFormat::kHuman);
  EXPECT_FALSE(value_log_format("xml"));
  EXPECT_FALSE(value_log_format(""));
  EXPECT_EQ(log_format_from({}), LogFormat::kJson);
  EXPECT_EQ(log_format_from({{"TXT2PDF_LOG_FORMAT", ""}}), LogFormat::kJson);
  EXPECT_EQ(log_format_from({{"TXT2PDF_LOG_FORMAT", "human"}}), LogFormat::kHuman);
  try {
    (void)log_format_from({{"TXT2PDF_LOG_FORMAT", "xml"}});
    ADD_FAILURE() << "xml accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("TXT2PDF_LOG_FORMAT"), std::string::npos) << error.what();
  }
  // The logger main() makes before the configuration exists: never throws.
  EXPECT_EQ(log_format_or_json({{"TXT2PDF_LOG_FORMAT", "xml"}}), LogFormat::kJson);
  EXPECT_EQ(log_format_or_json({{"TXT2PDF_LOG_FORMAT", "human"}}), LogFormat::kHuman);
}

}  // namespace
}  // namespace txt2pdf
