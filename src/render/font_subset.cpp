#include "txt2pdf/render/font_subset.hpp"

#include <memory>

#include "harfbuzz_api.hpp"
#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

// Tables a PDF viewer never reads from an embedded CIDFontType2: OpenType layout, kerning,
// device metrics, signatures. Subsetting layout tables was also most of HarfBuzz's time.
constexpr const char* kDroppedTables[] = {"GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern", "morx",
                                          "kerx", "DSIG", "hdmx", "LTSH", "VDMX", "gasp", "cmap"};

hb_tag_t tag(const char* name) { return HB_TAG(name[0], name[1], name[2], name[3]); }

using Plan = std::unique_ptr<hb_subset_plan_t, void (*)(hb_subset_plan_t*)>;

// A plan keeping `characters` (through the font's cmap) and, when `by_id`, `glyphs` by id.
Plan plan_subset(const HarfBuzzApi& hb, hb_face_t* face, const std::vector<std::uint16_t>& glyphs,
                 const std::vector<char32_t>& characters, bool by_id) {
  std::unique_ptr<hb_subset_input_t, decltype(hb.subset_input_destroy)> input(hb.subset_input_create_or_fail(),
                                                                              hb.subset_input_destroy);
  if (!input) throw Error(ErrorKind::kInternal, "hb_subset_input_create_or_fail failed");
  hb_set_t* unicodes = hb.subset_input_unicode_set(input.get());
  for (const auto cp : characters) hb.set_add(unicodes, cp);
  if (by_id) {
    hb_set_t* glyph_set = hb.subset_input_glyph_set(input.get());
    for (const auto glyph : glyphs) hb.set_add(glyph_set, glyph);
  }
  hb_set_t* dropped = hb.subset_input_set(input.get(), HB_SUBSET_SETS_DROP_TABLE_TAG);
  for (const char* name : kDroppedTables) hb.set_add(dropped, tag(name));
  hb.subset_input_set_flags(input.get(), HB_SUBSET_FLAGS_NO_HINTING);
  Plan plan(hb.subset_plan_create_or_fail(face, input.get()), hb.subset_plan_destroy);
  if (!plan) throw Error(ErrorKind::kInternal, "HarfBuzz could not plan the font subset");
  return plan;
}

// The new id of each of `glyphs` in `plan`; empty when the plan lost one.
std::vector<std::uint16_t> new_glyph_ids(const HarfBuzzApi& hb, hb_subset_plan_t* plan,
                                         const std::vector<std::uint16_t>& glyphs) {
  std::vector<std::uint16_t> ids;
  const hb_map_t* old_to_new = hb.subset_plan_old_to_new_glyph_mapping(plan);
  for (const auto glyph : glyphs) {
    const auto id = hb.map_get(old_to_new, glyph);
    if (id == HB_MAP_VALUE_INVALID || id > 0xFFFF) return {};
    ids.push_back(static_cast<std::uint16_t>(id));
  }
  return ids;
}

}  // namespace

TrueTypeSubset subset_truetype(std::string_view font_file, const std::vector<std::uint16_t>& glyphs,
                               const std::vector<char32_t>& characters) {
  const auto& hb = harfbuzz_api();
  std::unique_ptr<hb_blob_t, decltype(hb.blob_destroy)> blob(
      hb.blob_create(font_file.data(), static_cast<unsigned>(font_file.size()), HB_MEMORY_MODE_READONLY, nullptr,
                     nullptr),
      hb.blob_destroy);
  std::unique_ptr<hb_face_t, decltype(hb.face_destroy)> face(hb.face_create(blob.get(), 0), hb.face_destroy);
  // HarfBuzz reads anything as a font with no tables (and "subsets" it without complaint).
  if (hb.face_get_glyph_count(face.get()) == 0)
    throw Error(ErrorKind::kInternal, "HarfBuzz finds no glyphs in the font");
  // Planning from characters is ~40x faster (4 ms against 0.1 for a CJK font): a plan from glyph
  // ids reads the whole cmap to find their characters. By id only when the plan lost a glyph asked
  // for (a guard: the renderer's glyphs come from HarfBuzz's own cmap, FontFace).
  Plan plan = plan_subset(hb, face.get(), glyphs, characters, false);
  TrueTypeSubset result;
  result.glyph_ids = new_glyph_ids(hb, plan.get(), glyphs);
  if (result.glyph_ids.empty() && !glyphs.empty()) {
    plan = plan_subset(hb, face.get(), glyphs, characters, true);
    result.glyph_ids = new_glyph_ids(hb, plan.get(), glyphs);
    if (result.glyph_ids.empty()) throw Error(ErrorKind::kInternal, "HarfBuzz dropped a glyph asked for");
  }
  std::unique_ptr<hb_face_t, decltype(hb.face_destroy)> subset(hb.subset_plan_execute_or_fail(plan.get()),
                                                               hb.face_destroy);
  if (!subset) throw Error(ErrorKind::kInternal, "HarfBuzz could not subset the font");
  std::unique_ptr<hb_blob_t, decltype(hb.blob_destroy)> bytes(hb.face_reference_blob(subset.get()), hb.blob_destroy);
  unsigned length = 0;
  const char* data = hb.blob_get_data(bytes.get(), &length);
  if (data == nullptr || length == 0) throw Error(ErrorKind::kInternal, "HarfBuzz made an empty font subset");
  result.font.assign(data, length);
  return result;
}

}  // namespace txt2pdf
