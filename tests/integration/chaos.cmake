# The short chaos run (bench/chaos/chaos.py; bench/chaos/run is the long one): 60 files, 3 of them
# bad, 10 % of S3 and 5 % of SQS requests failed by tests/support/fault_proxy.py, the dispatcher
# SIGKILLed 3 times and jobs 10 times. Fixtures and environment as the dispatcher tests.
add_test(NAME chaos.short
  COMMAND ${TXT2PDF_PYTHON} ${PROJECT_SOURCE_DIR}/bench/chaos/chaos.py --files 60 --bad 3
          --dispatcher-kills 3 --job-kills 10 --timeout 300)
set_tests_properties(chaos.short PROPERTIES
  FIXTURES_REQUIRED "s3_stack;sqs_server"
  LABELS integration
  TIMEOUT 420
  ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};AWS_ENDPOINT_URL_SQS=http://127.0.0.1:${TXT2PDF_TEST_SQS_PORT};TXT2PDF_DISPATCHER=$<TARGET_FILE:txt2pdf-dispatcher>;TXT2PDF_JOB=$<TARGET_FILE:txt2pdf-job>")
