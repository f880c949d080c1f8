#!/usr/bin/env bash
# The image as shipped: numeric non-root user, OCI labels, the job entrypoint, no shell; the
# dispatcher entrypoint runs as uid 65532 on a read-only root and answers /healthz.
source "$(dirname "$0")/container_lib.sh"

user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
[ "$user" = "65532:65532" ] || fail "image user is '$user', expected 65532:65532"
entry=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")
[ "$entry" = '["/usr/local/bin/txt2pdf-job"]' ] || fail "entrypoint is $entry"
for label in version source licenses title revision; do
  value=$(podman image inspect --format "{{index .Labels \"org.opencontainers.image.$label\"}}" "$IMAGE")
  [ -n "$value" ] && [ "$value" != "<no value>" ] || fail "label org.opencontainers.image.$label missing"
done
want=$(sed -n 's/^project(txt2pdf_batch VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
got=$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' "$IMAGE")
[ "$got" = "$want" ] || fail "version label $got, CMakeLists.txt says $want"
if podman run --rm --entrypoint /bin/sh "$IMAGE" -c true 2>/dev/null; then fail "image has a shell"; fi
pass "user, entrypoint, labels, no shell"

port=$(free_port)
name=t2p-ctr-sec-$$
trap 'podman rm -f -v "$name" >/dev/null 2>&1 || true' EXIT
podman run -d --name "$name" --read-only --tmpfs /tmp --network host \
  --entrypoint txt2pdf-dispatcher -e HEALTH_PORT="$port" \
  -e QUEUE_URL=http://127.0.0.1:9/000000000000/none -e DEST_BUCKET=unused-bucket \
  -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_REGION=us-east-1 \
  -e AWS_EC2_METADATA_DISABLED=true "$IMAGE" >/dev/null
sleep 2
[ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] \
  || fail "dispatcher exited: $(podman logs "$name" 2>&1 | tail -5)"
pid=$(podman inspect --format '{{.State.Pid}}' "$name")
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[ "$uid" = 65532 ] || fail "dispatcher runs as uid $uid"
pass "dispatcher runs as uid $uid on a read-only root"
status=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
case "$status" in 200|503) pass "/healthz answers $status" ;; *) fail "/healthz answered '$status'" ;; esac
