#include "harfbuzz_api.hpp"

#include "txt2pdf/core/dynamic_library.hpp"

namespace txt2pdf {

HarfBuzzApi load_harfbuzz_api(const std::string& library) {
  void* handle = open_library(library);
  HarfBuzzApi api;
  resolve(handle, library, "hb_blob_create", api.blob_create);
  resolve(handle, library, "hb_blob_destroy", api.blob_destroy);
  resolve(handle, library, "hb_blob_get_data", api.blob_get_data);
  resolve(handle, library, "hb_face_create", api.face_create);
  resolve(handle, library, "hb_face_destroy", api.face_destroy);
  resolve(handle, library, "hb_face_reference_blob", api.face_reference_blob);
  resolve(handle, library, "hb_face_reference_table", api.face_reference_table);
  resolve(handle, library, "hb_face_get_glyph_count", api.face_get_glyph_count);
  resolve(handle, library, "hb_face_get_upem", api.face_get_upem);
  resolve(handle, library, "hb_font_create", api.font_create);
  resolve(handle, library, "hb_font_destroy", api.font_destroy);
  resolve(handle, library, "hb_font_get_nominal_glyph", api.font_get_nominal_glyph);
  resolve(handle, library, "hb_ot_metrics_get_position_with_fallback", api.ot_metrics_get_position_with_fallback);
  resolve(handle, library, "hb_ot_name_get_utf8", api.ot_name_get_utf8);
  resolve(handle, library, "hb_style_get_value", api.style_get_value);
  resolve(handle, library, "hb_set_add", api.set_add);
  resolve(handle, library, "hb_map_get", api.map_get);
  resolve(handle, library, "hb_subset_input_create_or_fail", api.subset_input_create_or_fail);
  resolve(handle, library, "hb_subset_input_destroy", api.subset_input_destroy);
  resolve(handle, library, "hb_subset_input_glyph_set", api.subset_input_glyph_set);
  resolve(handle, library, "hb_subset_input_unicode_set", api.subset_input_unicode_set);
  resolve(handle, library, "hb_subset_input_set_flags", api.subset_input_set_flags);
  resolve(handle, library, "hb_subset_input_set", api.subset_input_set);
  resolve(handle, library, "hb_subset_plan_create_or_fail", api.subset_plan_create_or_fail);
  resolve(handle, library, "hb_subset_plan_execute_or_fail", api.subset_plan_execute_or_fail);
  resolve(handle, library, "hb_subset_plan_old_to_new_glyph_mapping", api.subset_plan_old_to_new_glyph_mapping);
  resolve(handle, library, "hb_subset_plan_destroy", api.subset_plan_destroy);
  return api;
}

const HarfBuzzApi& harfbuzz_api() {
  static const HarfBuzzApi api = load_harfbuzz_api(kHarfBuzzSubsetLibrary);
  return api;
}

}  // namespace txt2pdf
