# The deploy definitions (deploy/aws, deploy/k8s) checked offline: botocore request validation with
# Debian's python3-botocore models, CloudFormation structure, IAM actions derived from src/, and
# the exit-code table. No server, a second or two: label unit.
add_test(NAME deploy_definitions
  COMMAND ${TXT2PDF_PYTHON} ${PROJECT_SOURCE_DIR}/tests/deploy_definitions_test.py)
set_tests_properties(deploy_definitions PROPERTIES
  LABELS unit TIMEOUT 120 ENVIRONMENT "TXT2PDF_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
