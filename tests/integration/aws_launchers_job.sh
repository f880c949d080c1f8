#!/bin/sh
# The job the Batch/ECS stand-in runs in the launcher tests: checks the variables every launcher
# must pass, records them for the test to compare, and exits with the code the object key asks for.
for name in SOURCE_BUCKET OBJECT_KEY DEST_BUCKET; do
  eval "value=\${$name-}"
  if [ -z "$value" ]; then
    echo "aws_launchers_job: $name is not set" >&2
    exit 64
  fi
done
record="${JOB_RECORD_DIR:?JOB_RECORD_DIR must name a directory}/job-$$.env"
{
  printf 'SOURCE_BUCKET=%s\n' "$SOURCE_BUCKET"
  printf 'OBJECT_KEY=%s\n' "$OBJECT_KEY"
  printf 'DEST_BUCKET=%s\n' "$DEST_BUCKET"
  if [ -n "${DEST_KEY+set}" ]; then printf 'DEST_KEY=%s\n' "$DEST_KEY"; fi
  if [ -n "${AWS_BATCH_JOB_ID-}" ]; then printf 'AWS_BATCH_JOB_ID=%s\n' "$AWS_BATCH_JOB_ID"; fi
} > "$record.tmp" && mv "$record.tmp" "$record"
case "$OBJECT_KEY" in
  *exit-65*) exit 65 ;;
  *slow*) exec sleep 60 ;;
esac
exit 0
