# The dispatcher's console (tests/integration/console_test.py): radosgw notifications through
# scripts/s3-event-bridge into fauxqs, the dispatcher with CONSOLE=on, headless Chromium through
# Debian's python3-selenium. Uses the `s3_stack` and `sqs_server` fixtures of dispatcher.cmake.
# Included from tests/integration/CMakeLists.txt after dispatcher.cmake.
set(console_cases
  ConsoleBrowserTest.test_browser_upload_convert_download_and_retry
  ConsoleRefusalTest.test_refusals_size_names_and_cross_site
  ConsoleTokenTest.test_refusals_without_the_token)
foreach(case IN LISTS console_cases)
  add_test(NAME console.${case} COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/console_test.py ${case})
  set_tests_properties(console.${case} PROPERTIES
    FIXTURES_REQUIRED "s3_stack;sqs_server"
    LABELS integration
    TIMEOUT 300
    ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};AWS_ENDPOINT_URL_SQS=http://127.0.0.1:${TXT2PDF_TEST_SQS_PORT};TXT2PDF_DISPATCHER=$<TARGET_FILE:txt2pdf-dispatcher>;TXT2PDF_JOB=$<TARGET_FILE:txt2pdf-job>;TXT2PDF_BRIDGE=${PROJECT_SOURCE_DIR}/scripts/s3-event-bridge")
endforeach()
