#!/usr/bin/python3
"""The dispatcher's `docker` launcher runs the image end to end: txt2pdf-dispatcher (host binary)
receives S3 events from fauxqs and starts one `podman run` of the txt2pdf-batch image per object
(podman stands in for docker: same CLI), each converting from the local radosgw. Reuses the
dispatcher tests' queues, buckets and helpers (dispatcher_test.DispatcherTest).

Run by ctest (fixtures s3_stack, sqs_server, container_image) as
  container_dispatcher_test.py ContainerDispatcherTest.test_docker_launcher_runs_the_image
"""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dispatcher_test  # noqa: E402  (the helpers live beside this file)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGE = subprocess.run([os.path.join(ROOT, "scripts", "image"), "name"], capture_output=True, text=True,
                       check=True).stdout.strip()


class ContainerDispatcherTest(dispatcher_test.DispatcherTest):
    def test_docker_launcher_runs_the_image(self):
        keys = ["plain.txt", "with space/and+plus.txt", "cjk/日本語.txt"]
        for key in keys:
            etag = self.upload(key, f"contents of {key}\n中文\n".encode())
            self.send(dispatcher_test.s3_event(self.source, key, etag))
        # A bad input: exit 65 inside the container, dead-lettered with what the job said.
        etag = self.upload("binary.txt", bytes(range(256)) * 16)
        self.send(dispatcher_test.s3_event(self.source, "binary.txt", etag))
        process = self.start_dispatcher({
            "LAUNCHER": "docker", "DOCKER_COMMAND": "podman", "JOB_IMAGE": IMAGE,
            "DOCKER_ARGS": "--network host --read-only",
            "CONTAINERS_CONF": os.path.join(ROOT, "docker", "containers.conf"),
            "MAX_CONCURRENCY": "2"})
        expected = sorted(self.expected_pdf(key) for key in keys)
        self.wait_until(lambda: sorted(self.pdf_keys()) == expected, 180, f"PDFs {expected}")
        self.wait_until(lambda: self.queue_depth(self.queue_url) == 0, 60, "an empty queue")
        dead = []
        self.wait_until(lambda: dead.extend(self.receive_dlq()) or dead, 60, "the binary input in the DLQ")
        self.assertEqual(self.stop(process), 0)
        self.assertEqual(len(dead), 1, dead)
        attributes = {name: value["StringValue"] for name, value in dead[0]["MessageAttributes"].items()}
        self.assertEqual(attributes["object_key"], "binary.txt")
        self.assertEqual(attributes["exit_code"], "65")
        self.assertIn("looks binary", attributes["reason"])
        log = self.log_text()
        self.assertIn('"launcher":"docker"', log, log[-3000:])
        self.assertNotIn('"launcher":"local"', log)


if __name__ == "__main__":
    unittest.main()
