// fontconfig, opened on first use (see txt2pdf/core/dynamic_library.hpp). Private to render/: only
// text beyond DejaVu Sans Mono needs fallback fonts. fontconfig 2.x is SONAME 1.
#pragma once

#include <fontconfig/fontconfig.h>

#include <string>

namespace txt2pdf {

inline constexpr const char* kFontconfigLibrary = "libfontconfig.so.1";
static_assert(FC_MAJOR == 2, "fontconfig.h is not from a fontconfig with SONAME 1: change kFontconfigLibrary");

// The fontconfig functions txt2pdf calls (fonts.cpp), named as in fontconfig without the Fc.
struct FontconfigApi {
  decltype(&::FcInitLoadConfigAndFonts) init_load_config_and_fonts = nullptr;
  decltype(&::FcConfigDestroy) config_destroy = nullptr;
  decltype(&::FcConfigSubstitute) config_substitute = nullptr;
  decltype(&::FcDefaultSubstitute) default_substitute = nullptr;
  decltype(&::FcNameParse) name_parse = nullptr;
  decltype(&::FcFontMatch) font_match = nullptr;
  decltype(&::FcFontSort) font_sort = nullptr;
  decltype(&::FcFontSetDestroy) font_set_destroy = nullptr;
  decltype(&::FcPatternDestroy) pattern_destroy = nullptr;
  decltype(&::FcPatternGetString) pattern_get_string = nullptr;
  decltype(&::FcPatternGetInteger) pattern_get_integer = nullptr;
  decltype(&::FcPatternGetCharSet) pattern_get_char_set = nullptr;
  decltype(&::FcCharSetHasChar) char_set_has_char = nullptr;
};

// Opens `library` and resolves every function of the table; throws Error(kInternal) naming the
// library or the missing symbol.
[[nodiscard]] FontconfigApi load_fontconfig_api(const std::string& library);

// The process's table, loaded from kFontconfigLibrary on the first call (thread-safe: concurrent first calls
// load once). A failed load throws as above, again on every later call.
[[nodiscard]] const FontconfigApi& fontconfig_api();

}  // namespace txt2pdf
