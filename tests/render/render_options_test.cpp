// Options from the environment, object metadata and flags: values, precedence, named errors.
#include "txt2pdf/render/render_options.hpp"

#include <gtest/gtest.h>

#include <string>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

ErrorKind kind_of(const std::function<void()>& action, std::string* message = nullptr) {
  try {
    action();
  } catch (const Error& error) {
    if (message != nullptr) *message = error.what();
    return error.kind();
  }
  ADD_FAILURE() << "no error";
  return ErrorKind::kInternal;
}

TEST(RenderOptions, DefaultsAreTheEnscriptGrid) {
  RenderOptions options;
  double width = 0, height = 0;
  paper_size(options, width, height);
  EXPECT_NEAR(width, 595.276, 0.01);
  EXPECT_NEAR(height, 841.89, 0.01);
  EXPECT_EQ(options.font_size, 10);
  EXPECT_EQ(options.leading, 12);
  EXPECT_EQ(options.tab_width, 8);
  EXPECT_TRUE(options.wrap);
}

TEST(RenderOptions, EnvironmentValues) {
  RenderOptions options;
  apply_environment(options, {{"TXT2PDF_PAPER", "letter"},
                              {"TXT2PDF_LANDSCAPE", "yes"},
                              {"TXT2PDF_FONT_SIZE", "8.5"},
                              {"TXT2PDF_MARGINS", "36,54,36,54"},
                              {"TXT2PDF_LINE_NUMBERS", "1"},
                              {"TXT2PDF_WRAP", "off"},
                              {"TXT2PDF_TITLE", "Quarterly report"},
                              {"TXT2PDF_SOMETHING_ELSE", "belongs to the job"}});
  EXPECT_EQ(options.paper, Paper::kLetter);
  EXPECT_TRUE(options.landscape);
  EXPECT_EQ(options.font_size, 8.5);
  EXPECT_EQ(options.margin_top, 36);
  EXPECT_EQ(options.margin_right, 54);
  EXPECT_TRUE(options.line_numbers);
  EXPECT_FALSE(options.wrap);
  EXPECT_EQ(options.title, "Quarterly report");
  double width = 0, height = 0;
  paper_size(options, width, height);
  EXPECT_EQ(width, 792);
  EXPECT_EQ(height, 612);
}

TEST(RenderOptions, PaperVariableAndItsOverride) {
  RenderOptions options;
  apply_environment(options, {{"PAPER", "A3"}});
  EXPECT_EQ(options.paper, Paper::kA3);
  apply_environment(options, {{"PAPER", "A3"}, {"TXT2PDF_PAPER", "Legal"}});
  EXPECT_EQ(options.paper, Paper::kLegal);
}

TEST(RenderOptions, BadEnvironmentValueIsAConfigErrorNamingIt) {
  RenderOptions options;
  std::string message;
  EXPECT_EQ(kind_of([&] { apply_environment(options, {{"TXT2PDF_FONT_SIZE", "big"}}); }, &message), ErrorKind::kConfig);
  EXPECT_NE(message.find("TXT2PDF_FONT_SIZE"), std::string::npos) << message;
  EXPECT_NE(message.find("\"big\""), std::string::npos) << message;
  EXPECT_NE(message.find("environment"), std::string::npos) << message;
  EXPECT_EQ(kind_of([&] { apply_environment(options, {{"PAPER", "A5"}}); }), ErrorKind::kConfig);
  EXPECT_EQ(kind_of([&] { apply_environment(options, {{"TXT2PDF_TAB_WIDTH", "2.5"}}); }), ErrorKind::kConfig);
  EXPECT_EQ(kind_of([&] { apply_environment(options, {{"TXT2PDF_MARGINS", "1,2,3"}}); }), ErrorKind::kConfig);
}

TEST(RenderOptions, MetadataOverridesAndBadValuesAreBadInput) {
  RenderOptions options;
  apply_environment(options, {{"TXT2PDF_PAPER", "Letter"}});
  apply_object_metadata(options, {{"txt2pdf-paper", "A4"}, {"X-Amz-Meta-Txt2pdf-Two-Up", "true"}, {"owner", "x"}});
  EXPECT_EQ(options.paper, Paper::kA4);
  EXPECT_TRUE(options.two_up);
  std::string message;
  EXPECT_EQ(kind_of(
                [&] {
                  apply_object_metadata(options, {{"txt2pdf-paper", "B5"}});
                },
                &message),
            ErrorKind::kBadInput);
  EXPECT_NE(message.find("x-amz-meta-txt2pdf-paper"), std::string::npos) << message;
  EXPECT_NE(message.find("object metadata"), std::string::npos) << message;
  EXPECT_EQ(kind_of(
                [&] {
                  apply_object_metadata(options, {{"txt2pdf-colour", "red"}});
                },
                &message),
            ErrorKind::kBadInput);
  EXPECT_NE(message.find("txt2pdf-colour"), std::string::npos) << message;
}

TEST(RenderOptions, CommandLineErrorsAreConfig) {
  RenderOptions options;
  std::string message;
  EXPECT_EQ(kind_of([&] { apply_option(options, "leading", "-3", OptionSource::kCommandLine); }, &message),
            ErrorKind::kConfig);
  EXPECT_NE(message.find("--leading"), std::string::npos) << message;
}

TEST(RenderOptions, UnknownEncodingNamesTheOption) {
  RenderOptions options;
  std::string message;
  EXPECT_EQ(kind_of(
                [&] {
                  apply_environment(options, {{"TXT2PDF_ENCODING", "klingon-8"}});
                },
                &message),
            ErrorKind::kConfig);
  EXPECT_NE(message.find("TXT2PDF_ENCODING"), std::string::npos) << message;
  EXPECT_EQ(kind_of(
                [&] {
                  apply_object_metadata(options, {{"txt2pdf-encoding", "klingon-8"}});
                },
                &message),
            ErrorKind::kBadInput);
  EXPECT_NE(message.find("x-amz-meta-txt2pdf-encoding"), std::string::npos) << message;
  apply_option(options, "encoding", "Shift_JIS", OptionSource::kCommandLine);
  EXPECT_EQ(options.encoding, "Shift_JIS");
}

TEST(RenderOptions, RenderTimeIsFormattedFromTheGivenTime) {
  RenderOptions options;
  set_render_time(options, std::chrono::system_clock::from_time_t(1700000000));  // 2023-11-14 22:13:20 UTC
  EXPECT_EQ(options.date, "2023-11-14 22:13 UTC");
  EXPECT_EQ(options.creation_date, "D:20231114221320Z");
}

TEST(RenderOptions, EveryOptionIsDocumented) {
  for (const auto& doc : option_docs()) {
    EXPECT_NE(std::string(doc.meaning), "");
    RenderOptions options;
    // Each documented name is accepted by apply_option with some valid value.
    const std::string values = doc.values;
    const std::string sample = values == "true/false"           ? "true"
                               : values == "text"               ? "t"
                               : values.rfind("A4", 0) == 0     ? "A4"
                               : values.rfind("auto", 0) == 0   ? "auto"
                               : values.rfind("render", 0) == 0 ? "render"
                                                                : "10";
    EXPECT_NO_THROW(apply_option(options, doc.name, sample, OptionSource::kCommandLine)) << doc.name;
  }
}

// Booleans use core/env_values' one set, whatever the source; only the error's kind differs.
TEST(RenderOptions, BooleansShareTheOneValueParser) {
  for (const char* yes : {"on", "ENABLED", "True", "1"}) {
    RenderOptions options;
    apply_option(options, "landscape", yes, OptionSource::kCommandLine);
    EXPECT_TRUE(options.landscape) << yes;
    apply_object_metadata(options, {{"txt2pdf-two-up", yes}});
    EXPECT_TRUE(options.two_up) << yes;
  }
  RenderOptions options;
  std::string message;
  EXPECT_EQ(kind_of([&] { apply_option(options, "wrap", "maybe", OptionSource::kEnvironment); }, &message),
            ErrorKind::kConfig);
  EXPECT_NE(message.find("TXT2PDF_WRAP"), std::string::npos) << message;
  EXPECT_EQ(kind_of([&] { apply_object_metadata(options, {{"txt2pdf-wrap", "maybe"}}); }), ErrorKind::kBadInput);
}

}  // namespace
}  // namespace txt2pdf
