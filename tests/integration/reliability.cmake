# Issue 12 regression tests that need real servers: a job whose clock is an hour off against the
# radosgw stack (which refuses skewed signatures). Included from tests/integration/CMakeLists.txt.

add_executable(clock_skew_driver ${CMAKE_CURRENT_LIST_DIR}/clock_skew_driver.cpp)
target_link_libraries(clock_skew_driver PRIVATE txt2pdf_job)

set(clock_skew_cases
  test_job_an_hour_ahead
  test_job_an_hour_behind
  test_missing_object_with_a_skewed_clock_is_66)
foreach(case IN LISTS clock_skew_cases)
  add_test(NAME clock_skew.${case}
    COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/clock_skew_test.py ClockSkewTest.${case})
  set_tests_properties(clock_skew.${case} PROPERTIES
    FIXTURES_REQUIRED s3_stack
    LABELS integration
    TIMEOUT 180
    ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};TXT2PDF_SKEW_DRIVER=$<TARGET_FILE:clock_skew_driver>")
endforeach()
