#!/usr/bin/env bash
# SIGTERM to the image's PID 1 (docker stop, ECS/Batch stop) ends a job stuck in a transfer within
# a few seconds with 75 (transient: the scheduler retries), and the dispatcher with 0.
source "$(dirname "$0")/container_lib.sh"
port=$(free_port)
# An "S3 endpoint" that accepts connections and never answers: the job sits in a transfer.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); held = []
end = time.time() + 120
while time.time() < end:
    s.settimeout(1)
    try: held.append(s.accept()[0])
    except OSError: pass
' "$port" &
server=$!
name=t2p-ctr-term-$$
trap 'kill $server 2>/dev/null || true; podman rm -f -v "$name" "$name-d" >/dev/null 2>&1 || true' EXIT

stop_and_time() {  # stop_and_time NAME -> prints "SECONDS CODE"
  local start end code
  start=$(date +%s.%N)
  podman kill --signal TERM "$1" >/dev/null
  code=$(timeout 30 podman wait "$1") || fail "$1 still running 30 s after SIGTERM"
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | awk '{print $1 - $3}') $code"
}

podman run -d --name "$name" --read-only --tmpfs /tmp --network host \
  -e AWS_ACCESS_KEY_ID=AKIDEXAMPLE -e AWS_SECRET_ACCESS_KEY=secret -e AWS_REGION=us-east-1 \
  -e AWS_EC2_METADATA_DISABLED=true -e AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
  -e SOURCE_BUCKET=src-bucket -e OBJECT_KEY=a.txt -e DEST_BUCKET=dst-bucket "$IMAGE" >/dev/null
sleep 2
[ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] \
  || fail "job ended before SIGTERM: $(podman logs "$name" 2>&1 | tail -5)"
read -r took code < <(stop_and_time "$name")
awk -v t="$took" 'BEGIN {exit !(t < 5)}' || fail "job took ${took}s to stop"
expect_code 75 "$code" "job stopped by SIGTERM in ${took}s"

podman run -d --name "$name-d" --read-only --tmpfs /tmp --network host \
  --entrypoint txt2pdf-dispatcher -e HEALTH_PORT="$(free_port)" \
  -e QUEUE_URL="http://127.0.0.1:$port/000000000000/q" -e DEST_BUCKET=dst-bucket \
  -e AWS_ACCESS_KEY_ID=AKIDEXAMPLE -e AWS_SECRET_ACCESS_KEY=secret -e AWS_REGION=us-east-1 \
  -e AWS_ENDPOINT_URL="http://127.0.0.1:$port" -e AWS_EC2_METADATA_DISABLED=true "$IMAGE" >/dev/null
sleep 2
[ "$(podman inspect --format '{{.State.Running}}' "$name-d")" = true ] \
  || fail "dispatcher ended before SIGTERM: $(podman logs "$name-d" 2>&1 | tail -5)"
read -r took code < <(stop_and_time "$name-d")
awk -v t="$took" 'BEGIN {exit !(t < 5)}' || fail "dispatcher took ${took}s to stop"
expect_code 0 "$code" "dispatcher stopped by SIGTERM in ${took}s"
