#!/usr/bin/python3
"""The Batch and ECS launchers against tests/support/aws_standin.py (127.0.0.1).

Each test starts its own stand-in (port chosen by the kernel) whose jobs run
aws_launchers_job.sh, and drives the launchers through aws_launchers_driver (the dispatcher's
code path: settings from the environment, default credentials chain, AwsClient, SigV4).
A few tests talk to the stand-in directly to show that it refuses what AWS would refuse.
Run one case: aws_launchers_test.py AwsLaunchersTest.test_batch_success
Needs TXT2PDF_AWS_DRIVER (the driver binary); TXT2PDF_STANDIN defaults to the source tree's.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.environ.get("TXT2PDF_STANDIN", os.path.join(HERE, "..", "support", "aws_standin.py"))
DRIVER = os.environ.get("TXT2PDF_AWS_DRIVER", "")
JOB = os.path.join(HERE, "aws_launchers_job.sh")
ACCESS_KEY = "AKIDSTANDINTEST"
SECRET_KEY = "standin/secret/key/for/tests"
WEIRD_KEY = "invoices/2024/inv 0001+a %2B é.txt"


class StandInCase(unittest.TestCase):
    """Starts a stand-in per test and runs the driver against it."""

    access_key = ACCESS_KEY
    secret_key = SECRET_KEY
    job_command = JOB

    def setUp(self):
        self.assertTrue(DRIVER and os.access(DRIVER, os.X_OK), "TXT2PDF_AWS_DRIVER must name the driver binary")
        self.work = tempfile.mkdtemp(prefix="aws-launchers-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.records = os.path.join(self.work, "records")
        os.mkdir(self.records)
        self.server = None

    def start_standin(self, *extra, faults=None):
        env = dict(os.environ, JOB_RECORD_DIR=self.records)
        env.pop("STANDIN_FAULTS", None)
        args = [sys.executable, STANDIN, "--job-command", self.job_command, "--log-dir", self.work,
                "--access-key", self.access_key, "--secret-key", self.secret_key,
                "--step-seconds", "0.1", "--job-queues", "txt2pdf-queue", "--clusters", "txt2pdf", *extra]
        if faults is not None:
            args += ["--faults", json.dumps(faults)]
        self.server = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True)
        self.addCleanup(self.stop_standin)
        line = self.server.stdout.readline()
        self.assertTrue(line.startswith("LISTENING "), f"stand-in did not start: {line!r}")
        self.endpoint = "http://127.0.0.1:" + line.split()[1]

    def stop_standin(self):
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        if self.server:
            self.server.stdout.close()

    def drive(self, launcher, key="in/report.txt", dest_key=None, secret=None, source="txt2pdf-in", dest="txt2pdf-out",
              **settings):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_ACCESS_KEY_ID": self.access_key,
               "AWS_SECRET_ACCESS_KEY": secret or self.secret_key, "AWS_REGION": "us-east-1",
               "AWS_ENDPOINT_URL_BATCH": self.endpoint, "AWS_ENDPOINT_URL_ECS": self.endpoint,
               "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
               "AWS_EC2_METADATA_DISABLED": "true", "JOB_POLL_SECONDS": "1",
               "JOB_QUEUE": "txt2pdf-queue", "JOB_DEFINITION": "txt2pdf-job:1", "ECS_CLUSTER": "txt2pdf",
               "TASK_DEFINITION": "txt2pdf-job:1", "SUBNETS": "subnet-0abc,subnet-0def", "SECURITY_GROUPS": "sg-01",
               "DRIVER_TIMEOUT_SECONDS": "60"}
        env.update(settings)
        args = [DRIVER, launcher, source, key, dest] + ([dest_key] if dest_key is not None else [])
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def recorded_jobs(self):
        jobs = []
        for name in sorted(os.listdir(self.records)):
            if name.endswith(".env"):
                with open(os.path.join(self.records, name), encoding="utf-8") as record:
                    jobs.append(dict(line.rstrip("\n").split("=", 1) for line in record))
        return jobs

    def standin_get(self, path):
        with urllib.request.urlopen(self.endpoint + path, timeout=10) as reply:
            return json.load(reply)

    def api_calls(self, operation):
        return [r for r in self.standin_get("/_standin/requests") if r["operation"] == operation]


class AwsLaunchersTest(StandInCase):
    # -- AWS Batch ------------------------------------------------------------------------------
    def test_batch_success(self):
        self.start_standin()
        result = self.drive("batch", key=WEIRD_KEY, dest_key="out/inv 0001+a.pdf")
        self.assertNotIn("error", result)
        self.assertEqual(result["exit_code"], 0, result)
        self.assertTrue(result["detail"].startswith("SUCCEEDED"), result)
        [job] = self.recorded_jobs()
        self.assertEqual(job, {"SOURCE_BUCKET": "txt2pdf-in", "OBJECT_KEY": WEIRD_KEY, "DEST_BUCKET": "txt2pdf-out",
                               "DEST_KEY": "out/inv 0001+a.pdf", "AWS_BATCH_JOB_ID": result["job_id"]})
        [submit] = self.api_calls("SubmitJob")
        self.assertEqual(submit["status"], 200)
        self.assertEqual(submit["params"]["jobQueue"], "txt2pdf-queue")
        self.assertTrue(submit["params"]["jobName"].startswith("txt2pdf-invoices_2024_inv_0001_a"))
        describes = self.api_calls("DescribeJobs")
        self.assertGreaterEqual(len(describes), 1)
        self.assertTrue(all(d["status"] == 200 for d in describes))

    def test_batch_job_exit_65_is_reported(self):
        self.start_standin()
        result = self.drive("batch", key="in/exit-65.txt")
        self.assertEqual(result["exit_code"], 65, result)
        self.assertIn("FAILED: Essential container in task exited", result["detail"])

    def test_batch_failed_without_exit_code_is_75(self):
        self.start_standin(faults=[{"operation": "SubmitJob", "kind": "start-failure"}])
        result = self.drive("batch")
        self.assertEqual(result["exit_code"], 75, result)
        self.assertIn("CannotPullContainerError", result["detail"])
        self.assertEqual(self.recorded_jobs(), [])

    def test_batch_server_error_is_retried(self):
        self.start_standin(faults=[{"operation": "SubmitJob", "kind": "error", "status": 500, "code": "ServerException"}])
        result = self.drive("batch")
        self.assertEqual(result["exit_code"], 0, result)
        self.assertEqual([c["status"] for c in self.api_calls("SubmitJob")], [500, 200])

    def test_batch_terminate_job(self):
        self.start_standin()
        result = self.drive("batch", key="in/slow.txt", DRIVER_STOP_AFTER_MS="1500")
        self.assertTrue(result.get("stop_sent"), result)
        self.assertEqual(result["exit_code"], 143, result)  # SIGTERM, as a container reports it
        self.assertIn("FAILED: txt2pdf-dispatcher asked the job to stop", result["detail"])
        self.assertEqual(self.api_calls("TerminateJob")[0]["status"], 200)

    def test_batch_unknown_queue_is_config(self):
        self.start_standin()
        result = self.drive("batch", JOB_QUEUE="no-such-queue")
        self.assertEqual(result["error"]["kind"], "config", result)
        self.assertEqual(result["error"]["code"], "ClientException")
        self.assertEqual(result["error"]["status"], 400)
        self.assertEqual(result["phase"], "start")

    def test_batch_missing_setting_names_variable(self):
        self.start_standin()
        result = self.drive("batch", JOB_DEFINITION="")
        self.assertEqual(result["error"]["kind"], "config", result)
        self.assertIn("JOB_DEFINITION", result["error"]["message"])
        self.assertEqual(self.standin_get("/_standin/requests"), [])

    def test_batch_wrong_secret_is_access_denied(self):
        self.start_standin()
        result = self.drive("batch", secret="not-the-secret")
        self.assertEqual(result["error"]["kind"], "access-denied", result)
        self.assertEqual(result["error"]["status"], 403)
        self.assertEqual(result["error"]["code"], "InvalidSignatureException")
        self.assertEqual(self.recorded_jobs(), [])

    # -- ECS ------------------------------------------------------------------------------------
    def test_ecs_success(self):
        self.start_standin()
        result = self.drive("ecs", key=WEIRD_KEY)
        self.assertNotIn("error", result)
        self.assertEqual(result["exit_code"], 0, result)
        self.assertIn("STOPPED (EssentialContainerExited)", result["detail"])
        self.assertTrue(result["job_id"].startswith("arn:aws:ecs:us-east-1:123456789012:task/txt2pdf/"))
        [job] = self.recorded_jobs()
        self.assertEqual(job, {"SOURCE_BUCKET": "txt2pdf-in", "OBJECT_KEY": WEIRD_KEY, "DEST_BUCKET": "txt2pdf-out"})
        [run] = self.api_calls("RunTask")
        network = run["params"]["networkConfiguration"]["awsvpcConfiguration"]
        self.assertEqual(network, {"subnets": ["subnet-0abc", "subnet-0def"], "securityGroups": ["sg-01"],
                                   "assignPublicIp": "DISABLED"})
        self.assertEqual(run["params"]["launchType"], "FARGATE")
        self.assertEqual(run["params"]["startedBy"], "txt2pdf-dispatcher")

    def test_ecs_job_exit_65_is_reported(self):
        self.start_standin()
        result = self.drive("ecs", key="in/exit-65.txt")
        self.assertEqual(result["exit_code"], 65, result)

    def test_ecs_runtask_failures_are_transient(self):
        self.start_standin(faults=[{"operation": "RunTask", "kind": "failures"}])
        result = self.drive("ecs")
        self.assertEqual(result["error"]["kind"], "transient", result)
        self.assertEqual(result["error"]["code"], "RESOURCE:MEMORY")
        self.assertEqual(self.recorded_jobs(), [])

    def test_ecs_stopped_without_exit_code_is_75(self):
        self.start_standin(faults=[{"operation": "RunTask", "kind": "start-failure"}])
        result = self.drive("ecs")
        self.assertEqual(result["exit_code"], 75, result)
        self.assertIn("TaskFailedToStart", result["detail"])

    def test_ecs_throttling_is_transient_after_retries(self):
        self.start_standin(faults=[{"operation": "RunTask", "kind": "error", "status": 400,
                                    "code": "ThrottlingException", "message": "Rate exceeded", "count": 50}])
        result = self.drive("ecs")
        self.assertEqual(result["error"]["kind"], "transient", result)
        self.assertEqual(result["error"]["code"], "ThrottlingException")
        self.assertEqual(len(self.api_calls("RunTask")), 5)  # RetryPolicy's default max_attempts

    def test_ecs_stop_task(self):
        self.start_standin()
        result = self.drive("ecs", key="in/slow.txt", DRIVER_STOP_AFTER_MS="1500")
        self.assertEqual(result["exit_code"], 143, result)
        self.assertIn("UserInitiated", result["detail"])

    def test_ecs_wrong_container_name_is_config(self):
        self.start_standin()
        result = self.drive("ecs", CONTAINER_NAME="not-in-the-task-definition")
        self.assertEqual(result["error"]["kind"], "config", result)
        self.assertEqual(result["error"]["code"], "InvalidParameterException")

    def test_ecs_wrong_secret_is_access_denied(self):
        self.start_standin()
        result = self.drive("ecs", secret="not-the-secret")
        self.assertEqual(result["error"]["kind"], "access-denied", result)
        self.assertEqual(result["error"]["status"], 403)

    def test_ecs_wrong_region_is_refused(self):
        self.start_standin()
        result = self.drive("ecs", AWS_REGION="eu-west-3")
        self.assertEqual(result["error"]["kind"], "access-denied", result)
        self.assertEqual(result["error"]["code"], "InvalidSignatureException")

    # -- the stand-in itself --------------------------------------------------------------------
    def signed_post(self, service, path, target, payload, secret=SECRET_KEY, tamper=None):
        # Signed with botocore's signer, independent of the project's.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json" if service == "batch" else "application/x-amz-json-1.1"}
        if target:
            headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113." + target
        request = AWSRequest(method="POST", url=self.endpoint + path, data=body, headers=headers)
        SigV4Auth(Credentials(ACCESS_KEY, secret), service, "us-east-1").add_auth(request)
        sent = urllib.request.Request(self.endpoint + path, data=tamper or body, method="POST",
                                      headers=dict(request.headers.items()))
        try:
            with urllib.request.urlopen(sent, timeout=10) as reply:
                return reply.status, dict(reply.headers), json.load(reply)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.load(error)

    def test_standin_rejects_bodies_the_model_rejects(self):
        self.start_standin()
        status, headers, body = self.signed_post("batch", "/v1/submitjob", None,
                                                 {"jobName": "x", "jobQueue": "txt2pdf-queue", "containerOverride": {}})
        self.assertEqual(status, 400)
        self.assertTrue(headers["x-amzn-ErrorType"].startswith("ClientException:"))
        self.assertIn("jobDefinition", body["message"])        # missing required member
        self.assertIn("containerOverride", body["message"])    # unknown member
        status, _, body = self.signed_post("ecs", "/", "RunTask", {"taskDefinition": "td", "count": "1"})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "InvalidParameterException")
        self.assertIn("count", body["message"])                # wrong type
        status, _, body = self.signed_post("batch", "/v1/submitjob", None,
                                           {"jobName": "bad name/with slash", "jobQueue": "txt2pdf-queue",
                                            "jobDefinition": "d"})
        self.assertEqual(status, 400)
        self.assertIn("Job name", body["message"])
        self.assertEqual(self.recorded_jobs(), [])

    def test_standin_checks_signatures_with_botocore(self):
        self.start_standin()
        payload = {"jobs": ["nothing"]}
        status, _, body = self.signed_post("batch", "/v1/describejobs", None, payload)
        self.assertEqual((status, body), (200, {"jobs": []}))
        status, headers, _ = self.signed_post("batch", "/v1/describejobs", None, payload, secret="wrong")
        self.assertEqual(status, 403)
        self.assertTrue(headers["x-amzn-ErrorType"].startswith("InvalidSignatureException:"))
        status, _, body = self.signed_post("ecs", "/", "DescribeTasks", {"tasks": ["a"]},
                                           tamper=json.dumps({"tasks": ["b"]}).encode())
        self.assertEqual(status, 403)
        self.assertEqual(body["__type"], "InvalidSignatureException")
        unsigned = urllib.request.Request(self.endpoint + "/v1/describejobs", data=b"{}", method="POST",
                                          headers={"Content-Type": "application/json"})
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(unsigned, timeout=10)
        self.assertEqual(refused.exception.code, 403)

    def test_standin_serves_botocore_clients(self):
        import boto3
        self.start_standin()
        ecs = boto3.client("ecs", endpoint_url=self.endpoint, region_name="us-east-1",
                           aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        self.addCleanup(ecs.close)
        task = ecs.run_task(cluster="txt2pdf", taskDefinition="td", launchType="FARGATE",
                            networkConfiguration={"awsvpcConfiguration": {"subnets": ["s"]}},
                            overrides={"containerOverrides": [{"name": "txt2pdf-job", "environment": [
                                {"name": "SOURCE_BUCKET", "value": "b"}, {"name": "OBJECT_KEY", "value": "in/exit-65"},
                                {"name": "DEST_BUCKET", "value": "o"}]}]})["tasks"][0]
        self.assertEqual(task["lastStatus"], "PROVISIONING")
        waiter = ecs.get_waiter("tasks_stopped")
        waiter.wait(cluster="txt2pdf", tasks=[task["taskArn"]], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        stopped = ecs.describe_tasks(cluster="txt2pdf", tasks=[task["taskArn"]])["tasks"][0]
        self.assertEqual(stopped["containers"][0]["exitCode"], 65)


class AwsLaunchersJobTest(StandInCase):
    """txt2pdf-job itself run by the stand-in's Batch and ECS against the local radosgw stack.

    Needs the stack's AWS_* variables (ctest fixture s3_stack) and TXT2PDF_JOB. The stand-in
    accepts the stack's credentials, and its jobs inherit its environment (the S3 endpoint and
    credentials), as containers get theirs from the job definition and task role.
    """

    def setUp(self):
        super().setUp()
        self.access_key = os.environ.get("AWS_ACCESS_KEY_ID", "")
        self.secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        self.s3 = os.environ.get("AWS_ENDPOINT_URL", "")
        self.job_command = os.environ.get("TXT2PDF_JOB", "")
        self.assertTrue(self.access_key and self.s3 and os.access(self.job_command, os.X_OK),
                        "needs the local stack's AWS_* variables and TXT2PDF_JOB")

    def aws(self, *args):
        done = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.s3, "--output", "json", *args],
                              capture_output=True, text=True, check=False)
        self.assertEqual(done.returncode, 0, f"aws {' '.join(args)}: {done.stderr}")
        return done.stdout

    def buckets_with(self, key, data):
        tag = uuid.uuid4().hex[:10]
        source, dest = f"t2p-awsl-in-{tag}", f"t2p-awsl-out-{tag}"
        for bucket in (source, dest):
            self.aws("s3api", "create-bucket", "--bucket", bucket)
        path = os.path.join(self.work, "upload")
        with open(path, "wb") as upload:
            upload.write(data)
        self.aws("s3api", "put-object", "--bucket", source, "--key", key, "--body", path)
        return source, dest

    def converts(self, launcher):
        self.start_standin()
        source, dest = self.buckets_with(WEIRD_KEY, "Invoice 0001\nTotal: 42 EUR\n".encode())
        result = self.drive(launcher, key=WEIRD_KEY, dest_key="pdf/inv 0001.pdf", source=source, dest=dest)
        self.assertEqual(result.get("exit_code"), 0, result)
        path = os.path.join(self.work, "out.pdf")
        self.aws("s3api", "get-object", "--bucket", dest, "--key", "pdf/inv 0001.pdf", path)
        with open(path, "rb") as pdf:
            self.assertEqual(pdf.read(5), b"%PDF-")

    def test_batch_runs_txt2pdf_job(self):
        self.converts("batch")

    def test_ecs_runs_txt2pdf_job(self):
        self.converts("ecs")

    def test_ecs_binary_object_is_65(self):
        self.start_standin()
        source, dest = self.buckets_with("in/blob.txt", bytes(range(256)) * 16)
        result = self.drive("ecs", key="in/blob.txt", source=source, dest=dest)
        self.assertEqual(result.get("exit_code"), 65, result)


if __name__ == "__main__":
    unittest.main()
