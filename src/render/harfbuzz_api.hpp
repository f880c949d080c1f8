// HarfBuzz, opened on first use (see txt2pdf/core/dynamic_library.hpp). Private to render/: only
// Unicode text needs it, to read TrueType fonts (font_face.hpp) and to subset them for embedding
// (font_subset.hpp).
#pragma once

#include <hb-ot.h>
#include <hb-subset.h>

#include <string>

namespace txt2pdf {

inline constexpr const char* kHarfBuzzSubsetLibrary = "libharfbuzz-subset.so.0";
// The subset plan functions are public since 4.1.0 (hb_subset_input_set since 2.9.0,
// hb_ot_metrics_get_position_with_fallback since 4.0.0); SONAME 0 throughout.
static_assert(HB_VERSION_ATLEAST(4, 1, 0), "HarfBuzz before 4.1.0 lacks the subset API used");

// The HarfBuzz functions render/ calls, named without the hb_ prefix. All but the subset ones
// live in libharfbuzz.so.0, which the subset library depends on: dlsym on its handle finds them
// there, so one dlopen brings both.
struct HarfBuzzApi {
  decltype(&::hb_blob_create) blob_create = nullptr;
  decltype(&::hb_blob_destroy) blob_destroy = nullptr;
  decltype(&::hb_blob_get_data) blob_get_data = nullptr;
  decltype(&::hb_face_create) face_create = nullptr;
  decltype(&::hb_face_destroy) face_destroy = nullptr;
  decltype(&::hb_face_reference_blob) face_reference_blob = nullptr;
  decltype(&::hb_face_reference_table) face_reference_table = nullptr;
  decltype(&::hb_face_get_glyph_count) face_get_glyph_count = nullptr;
  decltype(&::hb_face_get_upem) face_get_upem = nullptr;
  decltype(&::hb_font_create) font_create = nullptr;
  decltype(&::hb_font_destroy) font_destroy = nullptr;
  decltype(&::hb_font_get_nominal_glyph) font_get_nominal_glyph = nullptr;
  decltype(&::hb_ot_metrics_get_position_with_fallback) ot_metrics_get_position_with_fallback = nullptr;
  decltype(&::hb_ot_name_get_utf8) ot_name_get_utf8 = nullptr;
  decltype(&::hb_style_get_value) style_get_value = nullptr;
  decltype(&::hb_set_add) set_add = nullptr;
  decltype(&::hb_map_get) map_get = nullptr;
  decltype(&::hb_subset_input_create_or_fail) subset_input_create_or_fail = nullptr;
  decltype(&::hb_subset_input_destroy) subset_input_destroy = nullptr;
  decltype(&::hb_subset_input_glyph_set) subset_input_glyph_set = nullptr;
  decltype(&::hb_subset_input_unicode_set) subset_input_unicode_set = nullptr;
  decltype(&::hb_subset_input_set_flags) subset_input_set_flags = nullptr;
  decltype(&::hb_subset_input_set) subset_input_set = nullptr;
  decltype(&::hb_subset_plan_create_or_fail) subset_plan_create_or_fail = nullptr;
  decltype(&::hb_subset_plan_execute_or_fail) subset_plan_execute_or_fail = nullptr;
  decltype(&::hb_subset_plan_old_to_new_glyph_mapping) subset_plan_old_to_new_glyph_mapping = nullptr;
  decltype(&::hb_subset_plan_destroy) subset_plan_destroy = nullptr;
};

// Opens `library` and resolves every function of the table; throws Error(kInternal) naming the
// library or the missing symbol.
[[nodiscard]] HarfBuzzApi load_harfbuzz_api(const std::string& library);

// The process's table, loaded from kHarfBuzzSubsetLibrary on the first call (thread-safe:
// concurrent first calls load once). A failed load throws as above, again on every later call.
[[nodiscard]] const HarfBuzzApi& harfbuzz_api();

}  // namespace txt2pdf
