# Container tests (label `container`): the image built by scripts/image (podman, offline base from
# mmdebstrap), run against the s3_stack fixture's radosgw with --network host. The first test
# builds the image (cached layers make reruns fast; a cold build is several minutes) and is the
# setup of the `container_image` fixture the others require.
set(TXT2PDF_IMAGE_SCRIPT ${PROJECT_SOURCE_DIR}/scripts/image)

add_test(NAME container.image_build COMMAND ${TXT2PDF_IMAGE_SCRIPT} build)
set_tests_properties(container.image_build PROPERTIES
  FIXTURES_SETUP container_image LABELS container TIMEOUT 1800 RUN_SERIAL TRUE)

foreach(case convert exit_codes security sigterm healthcheck)
  add_test(NAME container.${case} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/container_${case}.sh)
  set_tests_properties(container.${case} PROPERTIES
    FIXTURES_REQUIRED "s3_stack;container_image"
    LABELS container
    TIMEOUT 180
    ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};TXT2PDF_AWS_CLI=${TXT2PDF_AWS_CLI}")
endforeach()

# The deploy definitions (AWS Batch, ECS, CloudFormation, Kubernetes) checked offline with
# Debian's botocore models.
include(${CMAKE_CURRENT_SOURCE_DIR}/deploy.cmake)

# The dispatcher's docker launcher (podman's docker-compatible CLI) running this image per object,
# with the dispatcher tests' fauxqs fixture (tests/integration/dispatcher.cmake).
if(TARGET txt2pdf-dispatcher AND TXT2PDF_TEST_SQS_PORT)
  add_test(NAME container.dispatcher_docker_launcher
    COMMAND ${TXT2PDF_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/container_dispatcher_test.py
            ContainerDispatcherTest.test_docker_launcher_runs_the_image)
  set_tests_properties(container.dispatcher_docker_launcher PROPERTIES
    FIXTURES_REQUIRED "s3_stack;sqs_server;container_image"
    LABELS container
    TIMEOUT 300
    ENVIRONMENT "${TXT2PDF_S3_TEST_ENV};AWS_ENDPOINT_URL_SQS=http://127.0.0.1:${TXT2PDF_TEST_SQS_PORT};TXT2PDF_DISPATCHER=$<TARGET_FILE:txt2pdf-dispatcher>;TXT2PDF_JOB=$<TARGET_FILE:txt2pdf-job>")
endif()
