// multipart/form-data as Chromium sends it (the body below is the shape of a real capture: CRLF
// lines, quoted names, the closing "--").
#include "txt2pdf/net/multipart.hpp"

#include <gtest/gtest.h>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

const std::string kBody =
    "------WebKitFormBoundaryx6Kf\r\n"
    "Content-Disposition: form-data; name=\"files\"; filename=\"a b.txt\"\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "line one\r\nline two\r\n"
    "\r\n------WebKitFormBoundaryx6Kf\r\n"
    "Content-Disposition: form-data; name=\"files\"; filename=\"\xc3\xbc.txt\"\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "--not a boundary\r\n"
    "\r\n------WebKitFormBoundaryx6Kf\r\n"
    "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
    "hi\r\n------WebKitFormBoundaryx6Kf--\r\n";

TEST(MultipartBoundary, FromTheContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundaryx6Kf"),
            "----WebKitFormBoundaryx6Kf");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_FALSE(multipart_boundary("application/x-www-form-urlencoded"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
}

TEST(ParseMultipart, FilesAndFieldsWithTheirBytes) {
  const auto parts = parse_multipart(kBody, "----WebKitFormBoundaryx6Kf");
  ASSERT_EQ(parts.size(), 3U);
  EXPECT_EQ(parts[0].name, "files");
  EXPECT_EQ(parts[0].filename, "a b.txt");
  EXPECT_EQ(parts[0].content_type, "text/plain");
  EXPECT_EQ(parts[0].data, "line one\r\nline two\r\n");
  EXPECT_EQ(parts[1].filename, "\xc3\xbc.txt");
  EXPECT_EQ(parts[1].data, "--not a boundary\r\n");
  EXPECT_EQ(parts[2].name, "note");
  EXPECT_FALSE(parts[2].filename);
  EXPECT_EQ(parts[2].data, "hi");
}

TEST(ParseMultipart, MalformedBodiesAreBadInput) {
  EXPECT_THROW((void)parse_multipart("no boundary here", "xyz"), Error);
  EXPECT_THROW((void)parse_multipart("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "xyz"),
               Error);
  EXPECT_THROW((void)parse_multipart("--xyz\r\nContent-Type: text/plain\r\n\r\nx\r\n--xyz--", "xyz"), Error);
}

}  // namespace
}  // namespace txt2pdf
