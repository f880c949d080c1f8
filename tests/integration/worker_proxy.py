#!/usr/bin/python3
"""A scripted stand-in for `txt2pdf-job worker` in the dispatcher's end-to-end tests with
LAUNCHER=worker: what the shell wrappers do for the local launcher (fail once, always fail, be
slow, hang, crash), request by request, forwarding the rest to a real `txt2pdf-job worker`.

Usage (as JOB_COMMAND; the dispatcher appends "worker"): worker_proxy.py MODE JOB [MARKS_DIR] worker
MODE: flaky (answers 75 the first time it sees a key, marks in MARKS_DIR), always75, slow (1 s
before each request), hung (never answers), crash (SIGKILLs itself on keys containing "crash").
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time


def main():
    mode, job = sys.argv[1], sys.argv[2]
    marks = sys.argv[3] if len(sys.argv) > 4 else None
    real = None
    for line in sys.stdin:
        request = json.loads(line)
        key = request["object_key"]
        answer = None
        if mode == "always75" or (mode == "flaky" and not seen(marks, key)):
            answer = {"id": request["id"], "exit_code": 75, "detail": f"{mode} proxy"}
        elif mode == "hung":
            time.sleep(3600)
        elif mode == "crash" and "crash" in key:
            os.kill(os.getpid(), signal.SIGKILL)
        elif mode == "slow":
            time.sleep(1)
        if answer is None:
            if real is None:
                real = subprocess.Popen([job, "worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            real.stdin.write(line.encode())
            real.stdin.flush()
            sys.stdout.write(real.stdout.readline().decode())
        else:
            sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def seen(marks, key):
    mark = os.path.join(marks, hashlib.md5(key.encode()).hexdigest())
    if os.path.exists(mark):
        return True
    open(mark, "w").close()
    return False


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        pass
