// The shared loader: a missing library or symbol is an Error that names it.
#include "txt2pdf/core/dynamic_library.hpp"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(DynamicLibraryTest, MissingLibraryIsAnInternalErrorNamingIt) {
  try {
    (void)open_library("libtxt2pdf-no-such-library.so.9");
    FAIL() << "loading a library that does not exist succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInternal);
    // The name, and dlerror()'s reason after it.
    EXPECT_THAT(error.what(), AllOf(HasSubstr("cannot load libtxt2pdf-no-such-library.so.9"),
                                    HasSubstr("No such file or directory")));
  }
}

TEST(DynamicLibraryTest, MissingSymbolIsAnInternalErrorNamingIt) {
  // libm is a real library without this symbol.
  void* handle = open_library("libm.so.6");
  try {
    (void)resolve_symbol(handle, "libm.so.6", "txt2pdf_no_such_symbol");
    FAIL() << "a symbol that does not exist resolved";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInternal);
    EXPECT_THAT(error.what(), AllOf(HasSubstr("txt2pdf_no_such_symbol"), HasSubstr("libm.so.6")));
  }
}

TEST(DynamicLibraryTest, ResolvedFunctionIsCallable) {
  double (*cosine)(double) = nullptr;
  resolve(open_library("libm.so.6"), "libm.so.6", "cos", cosine);
  ASSERT_NE(cosine, nullptr);
  EXPECT_DOUBLE_EQ(cosine(0.0), 1.0);
}

}  // namespace
}  // namespace txt2pdf
