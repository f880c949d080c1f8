#include "fontconfig_api.hpp"

#include "txt2pdf/core/dynamic_library.hpp"

namespace txt2pdf {

FontconfigApi load_fontconfig_api(const std::string& library) {
  void* handle = open_library(library);
  FontconfigApi api;
  resolve(handle, library, "FcInitLoadConfigAndFonts", api.init_load_config_and_fonts);
  resolve(handle, library, "FcConfigDestroy", api.config_destroy);
  resolve(handle, library, "FcConfigSubstitute", api.config_substitute);
  resolve(handle, library, "FcDefaultSubstitute", api.default_substitute);
  resolve(handle, library, "FcNameParse", api.name_parse);
  resolve(handle, library, "FcFontMatch", api.font_match);
  resolve(handle, library, "FcFontSort", api.font_sort);
  resolve(handle, library, "FcFontSetDestroy", api.font_set_destroy);
  resolve(handle, library, "FcPatternDestroy", api.pattern_destroy);
  resolve(handle, library, "FcPatternGetString", api.pattern_get_string);
  resolve(handle, library, "FcPatternGetInteger", api.pattern_get_integer);
  resolve(handle, library, "FcPatternGetCharSet", api.pattern_get_char_set);
  resolve(handle, library, "FcCharSetHasChar", api.char_set_has_char);
  return api;
}

const FontconfigApi& fontconfig_api() {
  static const FontconfigApi api = load_fontconfig_api(kFontconfigLibrary);
  return api;
}

}  // namespace txt2pdf
