// The reference "plain libharu loop" of issue 4: what a C or C++ programmer writes first with
// libharu. One HPDF_Page_ShowText per row, built-in Courier (or a TrueType font for UTF-8 text),
// the bench grid (A4, 10 pt, 12 pt leading, 72 pt margins: 58 rows of 75 columns), long lines
// cut into 75-column rows, compression on. No header, footer or marks.
//
// Build: g++ -O2 -o libharu_loop libharu_loop.cpp -lhpdf
// Usage: libharu_loop IN OUT [--ttf PATH]
#include <hpdf.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

constexpr int kColumns = 75;
constexpr int kRows = 58;
constexpr float kSize = 10;
constexpr float kLeading = 12;
constexpr float kMargin = 72;

void on_error(HPDF_STATUS code, HPDF_STATUS detail, void*) {
  std::fprintf(stderr, "libharu error 0x%04X (detail %u)\n", static_cast<unsigned>(code),
               static_cast<unsigned>(detail));
  std::exit(1);
}

// Byte length of the first `columns` characters of UTF-8 `text` (all of it if shorter).
std::size_t prefix_bytes(const std::string& text, std::size_t from, int columns) {
  std::size_t at = from;
  for (int column = 0; at < text.size() && column < columns; ++column) {
    ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  return at - from;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: libharu_loop IN OUT [--ttf PATH]\n");
    return 2;
  }
  HPDF_Doc pdf = HPDF_New(on_error, nullptr);
  HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
  HPDF_Font font;
  if (argc > 4 && std::strcmp(argv[3], "--ttf") == 0) {
    HPDF_UseUTFEncodings(pdf);
    font = HPDF_GetFont(pdf, HPDF_LoadTTFontFromFile(pdf, argv[4], HPDF_TRUE), "UTF-8");
  } else {
    font = HPDF_GetFont(pdf, "Courier", nullptr);
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::string line;
  HPDF_Page page = nullptr;
  int row = kRows;
  auto show = [&](const std::string& text) {
    if (row == kRows) {
      if (page != nullptr) HPDF_Page_EndText(page);
      page = HPDF_AddPage(pdf);
      HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
      HPDF_Page_BeginText(page);
      HPDF_Page_SetFontAndSize(page, font, kSize);
      HPDF_Page_SetTextLeading(page, kLeading);
      HPDF_Page_MoveTextPos(page, kMargin, HPDF_Page_GetHeight(page) - kMargin - 0.8f * kSize);
      row = 0;
    } else {
      HPDF_Page_MoveToNextLine(page);
    }
    HPDF_Page_ShowText(page, text.c_str());
    ++row;
  };
  while (std::getline(in, line)) {
    std::size_t at = 0;
    do {
      const auto length = prefix_bytes(line, at, kColumns);
      show(line.substr(at, length));
      at += length;
    } while (at < line.size());
  }
  if (page != nullptr) HPDF_Page_EndText(page);
  HPDF_SaveToFile(pdf, argv[2]);
  HPDF_Free(pdf);
  return 0;
}
