#!/usr/bin/python3
"""The dispatcher's console end to end: real radosgw (S3) and fauxqs (SQS) on 127.0.0.1, the real
txt2pdf-dispatcher with CONSOLE=on and the real txt2pdf-job, and uploads turned into AWS-format S3
events by radosgw's bucket notifications through scripts/s3-event-bridge (as scripts/demo does).

- test_browser_*: headless Chromium (Debian's chromium + chromium-driver, driven by Debian's
  python3-selenium) uploads two files through the page, sees them reach "done", downloads a PDF
  through its presigned link and compares it with the object in S3, and retries a dead letter.
- test_refusals_*: the same server over plain HTTP (urllib): too large, control characters, token.

Environment (tests/integration/console.cmake): the S3 stack's credentials and AWS_ENDPOINT_URL,
AWS_ENDPOINT_URL_SQS, TXT2PDF_DISPATCHER, TXT2PDF_JOB, TXT2PDF_BRIDGE; TXT2PDF_SCREENSHOT (optional)
is where the browser test saves a screenshot of the console.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dispatcher_test import REGION, S3_ENDPOINT, sqs_call  # noqa: E402  (same SQS helper)

DISPATCHER = os.environ.get("TXT2PDF_DISPATCHER", "txt2pdf-dispatcher")
JOB = os.environ.get("TXT2PDF_JOB", "txt2pdf-job")
BRIDGE = os.environ.get("TXT2PDF_BRIDGE", os.path.join(os.path.dirname(__file__), "../../scripts/s3-event-bridge"))
SQS = os.environ.get("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9334")
AWS = ["/usr/bin/aws", "--endpoint-url", S3_ENDPOINT, "--region", REGION]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ConsoleStack(unittest.TestCase):
    """Buckets, queues, the event bridge and a dispatcher with its console, per test."""
    max_input = "64KiB"
    token = ""

    def setUp(self):
        self.tag = uuid.uuid4().hex[:8]
        self.work = tempfile.mkdtemp(prefix="console-it-")
        self.processes = []
        self.s3 = boto3.client("s3", region_name=REGION, endpoint_url=S3_ENDPOINT,
                               config=Config(s3={"addressing_style": "path"}))
        self.source, self.dest = "csrc-" + self.tag, "cdst-" + self.tag
        self.s3.create_bucket(Bucket=self.source)
        self.s3.create_bucket(Bucket=self.dest)
        self.dlq_url = sqs_call("CreateQueue", {"QueueName": "cdlq-" + self.tag})["QueueUrl"]
        dlq_arn = sqs_call("GetQueueAttributes", {"QueueUrl": self.dlq_url, "AttributeNames": ["QueueArn"]})[
            "Attributes"]["QueueArn"]
        self.queue_url = sqs_call("CreateQueue", {"QueueName": "cjobs-" + self.tag, "Attributes": {
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})}})["QueueUrl"]
        bridge_port = free_port()
        self.start([BRIDGE, "--listen", f"127.0.0.1:{bridge_port}", "--sqs-endpoint", SQS,
                    "--queue-url", self.queue_url], "bridge")
        self.wait_for_port(bridge_port)
        topic = json.loads(subprocess.check_output(AWS + [
            "sns", "create-topic", "--name", "ctopic-" + self.tag,
            "--attributes", json.dumps({"push-endpoint": f"http://127.0.0.1:{bridge_port}/"})]))["TopicArn"]
        subprocess.check_call(AWS + ["s3api", "put-bucket-notification-configuration", "--bucket", self.source,
                                     "--notification-configuration", json.dumps({"TopicConfigurations": [
                                         {"Id": "txt2pdf", "TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})])
        self.port = free_port()
        env = dict(os.environ)
        env.update({"QUEUE_URL": self.queue_url, "DEST_BUCKET": self.dest, "DLQ_URL": self.dlq_url,
                    "JOB_COMMAND": JOB, "MAX_CONCURRENCY": "2", "WAIT_TIME_SECONDS": "1", "HEALTH_PORT": "0",
                    "RETRY_BASE_SECONDS": "1", "KEY_SUFFIX": ".txt", "CONSOLE": "on",
                    "CONSOLE_PORT": str(self.port), "CONSOLE_UPLOAD_BUCKET": self.source,
                    "CONSOLE_UPLOAD_PREFIX": "in/", "MAX_INPUT_BYTES": self.max_input, "CONSOLE_LINK_SECONDS": "120"})
        if self.token:
            env["CONSOLE_TOKEN"] = self.token
        self.start([DISPATCHER], "dispatcher", env)
        self.wait_for_port(self.port)
        self.url = f"http://127.0.0.1:{self.port}/"

    def tearDown(self):
        self.s3.close()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def start(self, command, name, env=None):
        with open(os.path.join(self.work, name + ".log"), "wb") as log:
            self.processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))

    def wait_for_port(self, port, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
            for process in self.processes:
                self.assertIsNone(process.poll(), f"a process exited early\n{self.logs()}")
            time.sleep(0.1)
        self.fail(f"nothing listens on {port}\n{self.logs()}")

    def logs(self):
        text = ""
        for name in sorted(os.listdir(self.work)):
            if name.endswith(".log"):
                with open(os.path.join(self.work, name), "rb") as log:
                    text += f"--- {name}\n" + log.read().decode(errors="replace")[-4000:]
        return text

    def wait_until(self, condition, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.3)
        self.fail(f"timed out after {timeout} s waiting for {what}\n{self.logs()}")

    def status(self):
        with urllib.request.urlopen(self.url + "api/status", timeout=10) as reply:
            return json.load(reply)


class ConsoleBrowserTest(ConsoleStack):
    max_input = "1MiB"

    def setUp(self):
        super().setUp()
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.downloads = os.path.join(self.work, "downloads")
        os.makedirs(self.downloads)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1200,1300", "--user-data-dir=" + os.path.join(self.work, "profile")):
            options.add_argument(argument)
        # A PDF link downloads the file instead of opening the viewer, so the test can read it.
        options.add_experimental_option("prefs", {"download.default_directory": self.downloads,
                                                  "download.prompt_for_download": False,
                                                  "plugins.always_open_pdf_externally": True})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(30)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": self.downloads})

    def tearDown(self):
        self.driver.quit()
        super().tearDown()

    def row_state(self, key):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By
        try:
            for row in self.driver.find_elements(By.CSS_SELECTOR, "#conversions tr[data-key]"):
                if row.get_attribute("data-key") == key:
                    return row.get_attribute("data-state")
        except StaleElementReferenceException:  # the page's refresh replaced the table meanwhile
            pass
        return None

    def with_fresh(self, action):
        """Runs action() again when the 2 s refresh replaced the elements it was using."""
        from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
        for _ in range(10):
            try:
                return action()
            except (StaleElementReferenceException, ElementNotInteractableException):
                time.sleep(0.2)
        self.fail("the page kept changing under the test")

    def test_browser_upload_convert_download_and_retry(self):
        from selenium.webdriver.common.by import By
        files = {"first note.txt": "hello from the browser\n" * 3,
                 "second+report.txt": "".join(f"line {i}\n" for i in range(130))}  # 130 lines: 3 pages
        paths = []
        for name, text in files.items():
            paths.append(os.path.join(self.work, name))
            with open(paths[-1], "w", encoding="utf-8") as f:
                f.write(text)
        self.driver.get(self.url)
        self.assertEqual(self.driver.title, "txt2pdf console")
        self.driver.find_element(By.ID, "files").send_keys("\n".join(paths))
        self.driver.find_element(By.ID, "upload-button").click()
        keys = ["in/" + name for name in files]
        self.wait_until(lambda: all(self.row_state(key) == "done" for key in keys), 90, "both rows done")
        # The page's numbers agree with S3: pages from x-amz-meta-pages.
        def open_link():
            row = self.driver.find_element(By.CSS_SELECTOR, 'tr[data-key="in/second+report.txt"]')
            pages = row.find_elements(By.TAG_NAME, "td")[2].text
            link = row.find_element(By.CSS_SELECTOR, "a.pdf")
            href = link.get_attribute("href")
            link.click()
            return pages, href
        pages, href = self.with_fresh(open_link)
        self.assertEqual(pages, "3")
        self.assertIn("X-Amz-Signature=", href)
        self.assertIn("X-Amz-Expires=120", href)
        downloaded = self.wait_until(
            lambda: [f for f in os.listdir(self.downloads) if f.endswith(".pdf")], 30, "the PDF download")
        time.sleep(0.5)  # Chromium renames the finished download; let it close the file
        with open(os.path.join(self.downloads, downloaded[0]), "rb") as f:
            body = f.read()
        self.assertTrue(body.startswith(b"%PDF-"))
        expected = self.s3.get_object(Bucket=self.dest, Key="in/second+report.pdf")["Body"].read()
        self.assertEqual(body, expected)
        # The link is a plain presigned GET: without its signature radosgw refuses it.
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(href.split("?")[0], timeout=10)
        self.assertEqual(refused.exception.code, 403)

        # A binary .txt goes to the dead-letter queue; "retry" sends it back, and it fails again.
        bad = os.path.join(self.work, "broken.txt")
        with open(bad, "wb") as f:
            f.write(b"\x00\x01binary\x00" * 50)
        self.driver.find_element(By.ID, "files").send_keys(bad)
        self.driver.find_element(By.ID, "upload-button").click()
        self.wait_until(lambda: self.driver.find_elements(By.CSS_SELECTOR, "#dead-letters tr[data-message-id]"), 90,
                        "the dead letter in the page")

        def read_dead_letter():
            row = self.driver.find_element(By.CSS_SELECTOR, "#dead-letters tr[data-message-id]")
            return row.get_attribute("data-message-id"), [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        first_id, cells = self.with_fresh(read_dead_letter)
        self.assertEqual(cells[0], "in/broken.txt")
        self.assertEqual(cells[1], "65")
        self.assertEqual(cells[2], "bad-input")
        self.assertTrue(cells[3])  # the reason
        if os.environ.get("TXT2PDF_SCREENSHOT"):
            self.driver.save_screenshot(os.environ["TXT2PDF_SCREENSHOT"])
        self.with_fresh(lambda: self.driver.find_element(
            By.CSS_SELECTOR, f'#dead-letters tr[data-message-id="{first_id}"] button').click())
        self.wait_until(lambda: "sent back to the source queue" in self.driver.find_element(By.ID, "upload-result").text,
                        30, "the retry confirmation")
        # Back through the queue: the dispatcher converts it again and dead-letters it anew.
        self.wait_until(lambda: [d for d in self.status()["dead_letters"] if d["message_id"] != first_id], 90,
                        "a new dead letter after the retry")
        self.assertNotIn(first_id, [d["message_id"] for d in self.status()["dead_letters"]])
        with open(os.path.join(self.work, "dispatcher.log"), encoding="utf-8") as log:
            dead_lettered = [json.loads(line) for line in log if '"message sent to the dead-letter queue"' in line]
        self.assertEqual(len(dead_lettered), 2, self.logs())


class ConsoleRefusalTest(ConsoleStack):
    max_input = "1KiB"

    def post_file(self, name, data, headers=None):
        boundary = "----console" + self.tag
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"".encode() +
                name.encode() + b"\"\r\nContent-Type: text/plain\r\n\r\n" + data + f"\r\n--{boundary}--\r\n".encode())
        request = urllib.request.Request(self.url + "upload", data=body, method="POST", headers={
            "Content-Type": "multipart/form-data; boundary=" + boundary, "Accept": "application/json",
            **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def test_refusals_size_names_and_cross_site(self):
        status, text = self.post_file("big.txt", b"x" * 2048)  # over the limit, under the request limit
        self.assertEqual(status, 400, text)
        self.assertIn("big.txt refused: 2048 bytes, larger than MAX_INPUT_BYTES=1024", text)
        status, text = self.post_file("huge.txt", b"x" * (200 * 1024))  # over the request limit: 413 at once
        self.assertEqual(status, 413, text)
        self.assertIn("MAX_INPUT_BYTES=1024", text)
        status, text = self.post_file("bell\x07.txt", b"hi")
        self.assertEqual(status, 400, text)
        self.assertIn("control character", text)
        status, text = self.post_file("ok.txt", b"hi", {"Origin": "http://evil.example"})
        self.assertEqual(status, 403, text)
        listed = self.s3.list_objects_v2(Bucket=self.source).get("Contents", [])
        self.assertEqual(listed, [])
        status, text = self.post_file("ok.txt", b"hi")
        self.assertEqual(status, 200, text)
        self.assertEqual(json.loads(text)["uploaded"], [{"bucket": self.source, "key": "in/ok.txt"}])
        self.wait_until(lambda: [c for c in self.status()["conversions"] if c["state"] == "done"], 60, "ok.txt done")


class ConsoleTokenTest(ConsoleStack):
    token = "t0ken-" + uuid.uuid4().hex

    def test_refusals_without_the_token(self):
        for path in ("", "api/status", "live", "?token=wrong"):
            with self.assertRaises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(self.url + path, timeout=10)
            self.assertEqual(refused.exception.code, 401, path)
        request = urllib.request.Request(self.url + "api/status", headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(request, timeout=10) as reply:
            self.assertEqual(reply.status, 200)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        with self.assertRaises(urllib.error.HTTPError) as signed_in:
            opener.open(self.url + "?token=" + self.token, timeout=10)
        self.assertEqual(signed_in.exception.code, 303)
        cookie = signed_in.exception.headers["Set-Cookie"]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        request = urllib.request.Request(self.url, headers={"Cookie": cookie.split(";")[0]})
        with urllib.request.urlopen(request, timeout=10) as reply:
            self.assertIn("txt2pdf console", reply.read().decode())


if __name__ == "__main__":
    unittest.main()
