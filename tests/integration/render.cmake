# Rendering checks on real PDFs: `txt2pdf-job render` output read back with poppler-utils and
# qpdf (no golden files, no servers). One ctest test per case of render_test.py.
set(TXT2PDF_RENDER_CASES
    ascii latin1 scripts wrapped_cjk page_count header_footer form_feed tabs replacement
    invalid_utf8 utf16 controls_and_truncate line_numbers binary_refused stdin_stdout bad_options
    paper_env more_pages_than_one_kids_array glyphs_drawn fonts_subset)
foreach(render_case IN LISTS TXT2PDF_RENDER_CASES)
  add_test(NAME render_${render_case}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/render_test.py
                   $<TARGET_FILE:txt2pdf-job> ${render_case})
  set_tests_properties(render_${render_case} PROPERTIES LABELS integration TIMEOUT 120)
endforeach()

# Real-world text (render_real_test.py): legacy-encoded vim tutors (vim-runtime), a man page with
# overstrike (man-db), ANSI colours checked on a rasterised page, fit=auto, and the render CLI.
set(TXT2PDF_RENDER_REAL_CASES legacy_encodings forced_encoding eighty_columns wide_report ansi_colours
    overstrike man_page cli)
foreach(render_case IN LISTS TXT2PDF_RENDER_REAL_CASES)
  add_test(NAME render_real_${render_case}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/render_real_test.py
                   $<TARGET_FILE:txt2pdf-job> ${render_case})
  set_tests_properties(render_real_${render_case} PROPERTIES LABELS integration TIMEOUT 300)
endforeach()
