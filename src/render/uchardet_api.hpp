// uchardet (charset detection), opened on first use (see txt2pdf/core/dynamic_library.hpp). Private
// to render/: only input that is neither valid UTF-8 nor marked by a BOM asks it, so the ASCII and
// UTF-8 paths never load it. uchardet 0.0.x is SONAME 0.
#pragma once

#include <uchardet/uchardet.h>

#include <string>

namespace txt2pdf {

inline constexpr const char* kUchardetLibrary = "libuchardet.so.0";

// The uchardet functions txt2pdf calls (encoding_detect.cpp), named as in uchardet without the prefix.
struct UchardetApi {
  decltype(&::uchardet_new) create = nullptr;
  decltype(&::uchardet_delete) destroy = nullptr;
  decltype(&::uchardet_handle_data) handle_data = nullptr;
  decltype(&::uchardet_data_end) data_end = nullptr;
  decltype(&::uchardet_get_charset) get_charset = nullptr;
};

// Opens `library` and resolves every function; throws Error(kInternal) naming the library or symbol.
[[nodiscard]] UchardetApi load_uchardet_api(const std::string& library);

// The process's table, loaded from kUchardetLibrary on the first call (thread-safe).
[[nodiscard]] const UchardetApi& uchardet_api();

}  // namespace txt2pdf
