// Replays every seed and every fuzzer finding through the fuzz entry points in the normal build
// (g++, no libFuzzer), so a fixed crash stays fixed: tests/fuzz/corpus/<target>/,
// tests/data/fuzz/<target>/ and the conformance folders named in tests/fuzz/seeds.txt.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = TXT2PDF_SOURCE_DIR;

bool skipped(const fs::path& file) {
  const auto name = file.filename().string();
  for (const char* prefix : {"README", "SOURCES", "LICENSE", "NOTICE"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// Folders listed for `target` in seeds.txt, plus its corpus and findings folders.
std::vector<fs::path> seed_folders(const std::string& target) {
  std::vector<fs::path> folders = {kSource / "tests/fuzz/corpus" / target, kSource / "tests/data/fuzz" / target};
  std::ifstream seeds(kSource / "tests/fuzz/seeds.txt");
  std::string line;
  while (std::getline(seeds, line)) {
    std::istringstream words(line);
    std::string name, folder;
    if (!(words >> name) || name != target) continue;
    while (words >> folder) {
      folders.push_back(folder.rfind("conformance/", 0) == 0 ? kSource / ".." / "shared" / folder : kSource / folder);
    }
  }
  return folders;
}

std::vector<fs::path> files_of(const std::string& target) {
  std::vector<fs::path> files;
  for (const auto& folder : seed_folders(target)) {
    if (!fs::is_directory(folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (entry.is_regular_file() && !skipped(entry.path())) files.push_back(entry.path());
    }
  }
  return files;
}

class FuzzReplay : public testing::TestWithParam<txt2pdf::fuzz::Target> {};

TEST_P(FuzzReplay, EverySeedAndFindingIsHandled) {
  const auto& target = GetParam();
  const auto files = files_of(target.name);
  // The committed corpus alone has seeds for every target: an empty list means a broken path.
  ASSERT_FALSE(files.empty()) << "no seeds for " << target.name;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    std::ifstream in(file, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Only txt2pdf::Error is an accepted refusal (caught inside); anything else fails here.
    EXPECT_NO_THROW(target.entry(data));
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, testing::ValuesIn(txt2pdf::fuzz::targets()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(FuzzTargets, OneSourceFilePerTarget) {
  for (const auto& target : txt2pdf::fuzz::targets()) {
    EXPECT_TRUE(fs::exists(kSource / "tests/fuzz" / (std::string(target.name) + "_fuzz.cpp"))) << target.name;
  }
}

}  // namespace
