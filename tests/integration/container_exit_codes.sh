#!/usr/bin/env bash
# Documented exit codes from inside the image: 66 for a missing object, 77 for a wrong secret key,
# 64 for missing configuration.
source "$(dirname "$0")/container_lib.sh"
src=$(new_bucket src); dst=$(new_bucket dst)

code=0
run_job -e SOURCE_BUCKET="$src" -e OBJECT_KEY=no/such/object.txt -e DEST_BUCKET="$dst" || code=$?
expect_code 66 "$code" "missing object"

code=0
"$root/scripts/image" run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY=wrong-secret-key-0000000000 \
  -e AWS_ENDPOINT_URL -e AWS_REGION=us-east-1 -e AWS_EC2_METADATA_DISABLED=true \
  -e SOURCE_BUCKET="$src" -e OBJECT_KEY=any.txt -e DEST_BUCKET="$dst" || code=$?
expect_code 77 "$code" "wrong secret key"

code=0
run_job -e SOURCE_BUCKET="$src" -e DEST_BUCKET="$dst" || code=$?
expect_code 64 "$code" "OBJECT_KEY missing"
