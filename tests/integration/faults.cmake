# Fault injection (tests/integration/faults_test.py): the SigV4-verifying SQS proxy, and the job and
# the dispatcher through tests/support/fault_proxy.py. Fixtures and environment as the dispatcher
# tests (dispatcher.cmake, included before this file). One ctest test per case.
set(fault_cases
  test_sigv4_proxy_refuses_a_wrong_secret
  test_sigv4_proxy_passes_the_right_secret
  test_sigv4_proxy_checks_scope_clock_and_body
  test_dispatcher_survives_sqs_faults)
foreach(fault throttle error_500 error_503 drop_before drop_after reset truncate latency blackhole)
  list(APPEND fault_cases test_job_survives_s3_${fault})
endforeach()
foreach(case IN LISTS fault_cases)
  add_test(NAME faults.${case}
    COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/faults_test.py FaultTest.${case})
  set_tests_properties(faults.${case} PROPERTIES
    FIXTURES_REQUIRED "s3_stack;sqs_server"
    LABELS integration
    TIMEOUT 240
    ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};AWS_ENDPOINT_URL_SQS=http://127.0.0.1:${TXT2PDF_TEST_SQS_PORT};TXT2PDF_DISPATCHER=$<TARGET_FILE:txt2pdf-dispatcher>;TXT2PDF_JOB=$<TARGET_FILE:txt2pdf-job>")
endforeach()
