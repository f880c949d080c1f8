# `txt2pdf-dispatcher backfill` and txt2pdf-job's manifest mode against radosgw and fauxqs
# (tests/integration/backfill_test.py). Included from tests/integration/CMakeLists.txt after
# dispatcher.cmake (it reuses the sqs_server fixture and TXT2PDF_TEST_SQS_PORT).
set(backfill_cases
  test_enqueue_pages_weird_keys_and_dispatchers_convert_them
  test_convert_interrupted_then_resumed_does_no_work_twice
  test_manifest_split_over_children
  test_transient_failure_in_one_child_is_retried_and_skips_what_is_done
  test_inventory_manifest_with_a_missing_key_fails_permanently)
foreach(case IN LISTS backfill_cases)
  add_test(NAME backfill.${case}
    COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/backfill_test.py BackfillTest.${case})
  set_tests_properties(backfill.${case} PROPERTIES
    FIXTURES_REQUIRED "s3_stack;sqs_server"
    LABELS integration
    TIMEOUT 400
    ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};AWS_ENDPOINT_URL_SQS=http://127.0.0.1:${TXT2PDF_TEST_SQS_PORT};TXT2PDF_DISPATCHER=$<TARGET_FILE:txt2pdf-dispatcher>;TXT2PDF_JOB=$<TARGET_FILE:txt2pdf-job>")
endforeach()
