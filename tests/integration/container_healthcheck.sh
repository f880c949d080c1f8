#!/usr/bin/env bash
# The ECS container health check of deploy/aws (the image has no shell or curl):
# `txt2pdf-dispatcher healthcheck` run inside the dispatcher's container asks its /healthz on
# HEALTH_PORT and exits 0 while healthy, non-zero when /healthz fails or nothing listens.
source "$(dirname "$0")/container_lib.sh"
port=$(free_port)
name=t2p-ctr-hc-$$
trap 'podman rm -f -v "$name" >/dev/null 2>&1 || true' EXIT
podman run -d --name "$name" --read-only --tmpfs /tmp --network host \
  --entrypoint txt2pdf-dispatcher -e HEALTH_PORT="$port" \
  -e QUEUE_URL=http://127.0.0.1:9/000000000000/none -e DEST_BUCKET=unused-bucket \
  -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_REGION=us-east-1 \
  -e AWS_EC2_METADATA_DISABLED=true "$IMAGE" >/dev/null
sleep 2
want=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
code=0
timeout 10 podman exec "$name" /usr/local/bin/txt2pdf-dispatcher healthcheck >/dev/null 2>&1 || code=$?
[ "$code" -ne 124 ] || fail "healthcheck did not return within 10 s (is the subcommand implemented?)"
case "$want" in
  200) expect_code 0 "$code" "healthcheck while /healthz answers 200" ;;
  *) [ "$code" -ne 0 ] || fail "healthcheck exited 0 while /healthz answers '$want'"; pass "healthcheck $code for /healthz $want" ;;
esac
# Pointed at a port where nothing listens, it must report unhealthy.
code=0
timeout 10 podman exec -e HEALTH_PORT="$(free_port)" "$name" /usr/local/bin/txt2pdf-dispatcher healthcheck \
  >/dev/null 2>&1 || code=$?
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] || fail "healthcheck exited $code with nothing listening"
pass "healthcheck exits $code with nothing listening"
