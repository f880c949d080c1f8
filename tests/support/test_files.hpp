// Reading fixture files (tests/data, ../shared/conformance) in unit tests.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace txt2pdf::testing {

// The whole file as bytes; throws (failing the test) when it cannot be opened.
inline std::string read_test_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test file " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return std::move(content).str();
}

}  // namespace txt2pdf::testing
