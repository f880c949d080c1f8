// fontconfig and HarfBuzz (fonts and their subsets) opened on first use: nothing loaded before, working
// functions after.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

#include "render/fontconfig_api.hpp"
#include "render/harfbuzz_api.hpp"
#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

[[nodiscard]] bool is_loaded(const char* library) {
  // RTLD_NOLOAD only looks: it returns a handle when the library is already in the process.
  void* handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
  if (handle != nullptr) dlclose(handle);  // drops the reference RTLD_NOLOAD just took
  return handle != nullptr;
}

// First in the file: ctest runs each test in its own process, and a plain run of the binary runs
// them in this order, so nothing has asked for the library yet. This test binary links like
// txt2pdf-job: if the library became a link dependency again, it would already be loaded.
TEST(RenderLibrariesTest, NothingLoadedBeforeFirstUse) {
  EXPECT_FALSE(is_loaded(kFontconfigLibrary));
  EXPECT_FALSE(is_loaded(kHarfBuzzSubsetLibrary));
  (void)fontconfig_api();
  EXPECT_TRUE(is_loaded(kFontconfigLibrary));
  (void)harfbuzz_api();
  EXPECT_TRUE(is_loaded(kHarfBuzzSubsetLibrary));
}

TEST(RenderLibrariesTest, FontconfigFunctionsAreCallable) {
  const FontconfigApi& fc = fontconfig_api();
  FcPattern* pattern = fc.name_parse(reinterpret_cast<const FcChar8*>("DejaVu Sans Mono:style=Book"));
  ASSERT_NE(pattern, nullptr);
  FcChar8* family = nullptr;
  ASSERT_EQ(fc.pattern_get_string(pattern, FC_FAMILY, 0, &family), FcResultMatch);
  EXPECT_STREQ(reinterpret_cast<const char*>(family), "DejaVu Sans Mono");
  int index = -1;
  EXPECT_EQ(fc.pattern_get_integer(pattern, FC_INDEX, 0, &index), FcResultNoMatch);  // not in the name
  fc.pattern_destroy(pattern);
}

}  // namespace
}  // namespace txt2pdf
