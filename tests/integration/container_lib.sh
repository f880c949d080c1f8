# Shared by the container_*.sh tests (sourced). The image is built by the container_image test
# (scripts/image build); the S3 server is the s3_stack fixture's radosgw, whose AWS_* variables
# ctest passes in. Containers run like a user would run them: `scripts/image run` = podman run
# --rm --read-only --tmpfs /tmp --network host, as user 65532.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/docker/containers.conf}
IMAGE=$("$root/scripts/image" name)
AWS=${TXT2PDF_AWS_CLI:-/usr/bin/aws}
: "${AWS_ENDPOINT_URL:?run under ctest (fixture s3_stack) or eval \"\$(scripts/local-stack env)\"}"
export AWS_PAGER= AWS_EC2_METADATA_DISABLED=true

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

aws_s3api() { "$AWS" --endpoint-url "$AWS_ENDPOINT_URL" --output json s3api "$@"; }

new_bucket() {  # new_bucket TAG -> prints a fresh bucket name
  local name
  name="t2p-ctr-$1-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  aws_s3api create-bucket --bucket "$name" >/dev/null
  echo "$name"
}

# Runs the image's default entrypoint (txt2pdf-job) with the stack's credentials passed by name
# (values stay off the command line) plus any extra podman arguments; prints nothing, returns the
# container's exit code.
run_job() {
  "$root/scripts/image" run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_ENDPOINT_URL \
    -e AWS_REGION=${AWS_REGION:-us-east-1} -e AWS_EC2_METADATA_DISABLED=true "$@"
}

expect_code() {  # expect_code WANT GOT WHAT
  [ "$2" -eq "$1" ] || fail "$3: exit code $2, expected $1"
  pass "$3: exit code $2"
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
