# The AWS Batch and ECS launchers against tests/support/aws_standin.py, a local stand-in that
# checks SigV4 and the request bodies with botocore and runs each job as a local process. Each
# case starts its own stand-in on a kernel-chosen 127.0.0.1 port, so cases run in parallel and
# need no other server. Included from tests/integration/CMakeLists.txt.

if(NOT TXT2PDF_PYTHON)
  set(TXT2PDF_PYTHON /usr/bin/python3)  # Debian's: python3-botocore and python3-boto3
endif()

add_executable(aws_launchers_driver ${CMAKE_CURRENT_LIST_DIR}/aws_launchers_driver.cpp)
target_link_libraries(aws_launchers_driver PRIVATE txt2pdf_dispatch)

set(aws_launchers_cases
  test_batch_success
  test_batch_job_exit_65_is_reported
  test_batch_failed_without_exit_code_is_75
  test_batch_server_error_is_retried
  test_batch_terminate_job
  test_batch_unknown_queue_is_config
  test_batch_missing_setting_names_variable
  test_batch_wrong_secret_is_access_denied
  test_ecs_success
  test_ecs_job_exit_65_is_reported
  test_ecs_runtask_failures_are_transient
  test_ecs_stopped_without_exit_code_is_75
  test_ecs_throttling_is_transient_after_retries
  test_ecs_stop_task
  test_ecs_wrong_container_name_is_config
  test_ecs_wrong_secret_is_access_denied
  test_ecs_wrong_region_is_refused
  test_standin_rejects_bodies_the_model_rejects
  test_standin_checks_signatures_with_botocore
  test_standin_serves_botocore_clients)
foreach(case IN LISTS aws_launchers_cases)
  add_test(NAME aws_launchers.${case}
    COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/aws_launchers_test.py AwsLaunchersTest.${case})
  set_tests_properties(aws_launchers.${case} PROPERTIES
    LABELS integration
    TIMEOUT 120
    ENVIRONMENT "TXT2PDF_AWS_DRIVER=$<TARGET_FILE:aws_launchers_driver>;TXT2PDF_STANDIN=${PROJECT_SOURCE_DIR}/tests/support/aws_standin.py")
endforeach()

# txt2pdf-job itself as the Batch job / ECS task, against the radosgw stack of CMakeLists.txt
# (only when included from there: it defines TXT2PDF_S3_TEST_ENV and the s3_stack fixture).
if(DEFINED TXT2PDF_S3_TEST_ENV)
  foreach(case IN ITEMS test_batch_runs_txt2pdf_job test_ecs_runs_txt2pdf_job test_ecs_binary_object_is_65)
    add_test(NAME aws_launchers_job.${case}
      COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/aws_launchers_test.py AwsLaunchersJobTest.${case})
    set_tests_properties(aws_launchers_job.${case} PROPERTIES
      FIXTURES_REQUIRED s3_stack
      LABELS integration
      TIMEOUT 180
      ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};TXT2PDF_JOB=$<TARGET_FILE:txt2pdf-job>;TXT2PDF_AWS_DRIVER=$<TARGET_FILE:aws_launchers_driver>;TXT2PDF_STANDIN=${PROJECT_SOURCE_DIR}/tests/support/aws_standin.py")
  endforeach()
endif()
