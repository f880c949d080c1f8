# txt2pdf-dispatcher end to end (tests/integration/dispatcher_test.py): fauxqs on 127.0.0.1 (fixture
# `sqs_server`, started by scripts/sqs-server with its state in the build tree) and the radosgw stack
# (fixture `s3_stack`). One ctest test per case; each case uses queues and buckets of its own.
# Included from tests/integration/CMakeLists.txt.

set(TXT2PDF_TEST_SQS_PORT 9334 CACHE STRING "Port of the fauxqs SQS server the dispatcher tests start")
# fauxqs checks no signature: it listens on the next port behind tests/support/sigv4_proxy.py, which
# verifies every request's SigV4 signature with the stack's credentials (TXT2PDF_S3_TEST_ENV), so
# all SQS traffic of the integration tests is signature-checked as radosgw checks S3's.
set(dispatcher_sqs_env
    TXT2PDF_SQS_PORT=${TXT2PDF_TEST_SQS_PORT}
    TXT2PDF_SQS_VERIFY_SIGV4=1
    ${TXT2PDF_S3_TEST_ENV})
set(dispatcher_sqs_state ${CMAKE_BINARY_DIR}/test-sqs)

add_test(NAME sqs_server_start COMMAND ${PROJECT_SOURCE_DIR}/scripts/sqs-server start ${dispatcher_sqs_state})
add_test(NAME sqs_server_stop COMMAND ${PROJECT_SOURCE_DIR}/scripts/sqs-server stop ${dispatcher_sqs_state})
set_tests_properties(sqs_server_start PROPERTIES
  FIXTURES_SETUP sqs_server ENVIRONMENT "${dispatcher_sqs_env}" LABELS integration TIMEOUT 300)
set_tests_properties(sqs_server_stop PROPERTIES
  FIXTURES_CLEANUP sqs_server ENVIRONMENT "${dispatcher_sqs_env}" LABELS integration TIMEOUT 60)

set(dispatcher_cases
  test_fifty_weird_keys_all_formats
  test_binary_and_malformed_go_to_the_dlq_with_reasons
  test_transient_failure_is_retried_then_succeeds
  test_always_transient_reaches_the_dlq_by_redrive
  test_sigterm_loses_nothing
  test_kill_9_loses_nothing
  test_sigterm_past_the_drain_timeout_returns_messages_at_once)
foreach(case IN LISTS dispatcher_cases)
  add_test(NAME dispatcher.${case}
    COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/dispatcher_test.py DispatcherTest.${case})
  set_tests_properties(dispatcher.${case} PROPERTIES
    FIXTURES_REQUIRED "s3_stack;sqs_server"
    LABELS integration
    TIMEOUT 240
    ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};AWS_ENDPOINT_URL_SQS=http://127.0.0.1:${TXT2PDF_TEST_SQS_PORT};TXT2PDF_DISPATCHER=$<TARGET_FILE:txt2pdf-dispatcher>;TXT2PDF_JOB=$<TARGET_FILE:txt2pdf-job>;TXT2PDF_TEST_LAUNCHER=local")
endforeach()

# The same cases through the worker pool (LAUNCHER=worker, the default), faults injected by
# worker_proxy.py, plus the cases only a pool has (a crashing worker, a 1 MB file in the pool).
foreach(case IN LISTS dispatcher_cases ITEMS
        test_worker_crash_kills_one_conversion_and_dead_letters_after_repeats
        test_one_megabyte_converts_in_the_pool_without_a_process_per_file)
  add_test(NAME dispatcher_worker.${case}
    COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/dispatcher_test.py DispatcherTest.${case})
  set_tests_properties(dispatcher_worker.${case} PROPERTIES
    FIXTURES_REQUIRED "s3_stack;sqs_server"
    LABELS integration
    TIMEOUT 240
    ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};AWS_ENDPOINT_URL_SQS=http://127.0.0.1:${TXT2PDF_TEST_SQS_PORT};TXT2PDF_DISPATCHER=$<TARGET_FILE:txt2pdf-dispatcher>;TXT2PDF_JOB=$<TARGET_FILE:txt2pdf-job>;TXT2PDF_TEST_LAUNCHER=worker")
endforeach()
