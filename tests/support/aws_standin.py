#!/usr/bin/python3
"""A local stand-in for the AWS Batch and ECS APIs, for the launcher tests (127.0.0.1 only).

Every API request is checked the way AWS would check it, with botocore's own code:
  * SigV4: the signature is recomputed by botocore.auth.SigV4Auth over the headers the request
    says it signed, with the test credentials; a wrong key id, secret, region, service or an
    expired date is refused with 403 in the service's error shape;
  * the body is validated against the operation's input shape of botocore's service model
    (botocore.validate.validate_parameters): 400 ClientException (Batch) /
    InvalidParameterException (ECS) when it does not conform;
  * a few service rules the model cannot express (job name pattern, awsvpc networking required on
    Fargate, container override names, known queues/clusters).
SubmitJob and RunTask run the job command as a local process with the containerOverrides
environment merged into this server's environment; DescribeJobs/DescribeTasks answer with the
states the services go through (SUBMITTED→RUNNABLE→STARTING→RUNNING→SUCCEEDED|FAILED;
PROVISIONING→PENDING→RUNNING→DEPROVISIONING→STOPPED) and the process's exit code.
TerminateJob/StopTask kill the process (SIGTERM).

Faults for tests (JSON list, from --faults / STANDIN_FAULTS or POST /_standin/faults), each
{"operation": "RunTask"|"SubmitJob"|"DescribeJobs"|…, "kind": ..., "count": n (default 1)}:
  "error":         answer with {"status": 500, "code": "ServerException", "message": …}
  "failures":      RunTask answers 200 with no task and failures [{"reason": "RESOURCE:MEMORY"}]
  "start-failure": the job never starts (image pull error): Batch FAILED / ECS STOPPED, no exit code
Unsigned control endpoints: GET /_standin/requests (every API request seen), GET /_standin/jobs,
POST /_standin/faults. The first stdout line is "LISTENING <port>".
"""

import argparse
import datetime
import hmac
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

ACCOUNT = "123456789012"
ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
BATCH_PATHS = {"/v1/submitjob": "SubmitJob", "/v1/describejobs": "DescribeJobs", "/v1/terminatejob": "TerminateJob"}
BATCH_ERROR_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.batch.v20160810/"
JOB_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$")
MAX_SKEW = datetime.timedelta(minutes=15)


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Job:
    """One Batch job or ECS task: a local process and the states the service would report."""

    def __init__(self, service, job_id, name, environment, start_failure):
        self.service, self.id, self.name = service, job_id, name
        self.environment, self.start_failure = environment, start_failure
        self.status = "SUBMITTED" if service == "batch" else "PROVISIONING"
        self.exit_code = None
        self.reason = ""
        self.stop_code = ""
        self.created = time.time()
        self.started = self.stopped = None
        self.stop_requested = None  # reason given to TerminateJob/StopTask
        self.process = None


class StandIn:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.jobs = {}
        self.requests = []
        self.faults = json.loads(args.faults or os.environ.get("STANDIN_FAULTS") or "[]")
        self.credentials = Credentials(args.access_key, args.secret_key)
        session = botocore.session.get_session()
        self.models = {"batch": session.get_service_model("batch"), "ecs": session.get_service_model("ecs")}

    # -- faults ---------------------------------------------------------------------------------
    def take_fault(self, operation, kinds):
        with self.lock:
            for fault in self.faults:
                if fault.get("operation") == operation and fault.get("kind") in kinds and fault.get("count", 1) > 0:
                    fault["count"] = fault.get("count", 1) - 1
                    return fault
        return None

    # -- checks ---------------------------------------------------------------------------------
    def verify_signature(self, service, method, path, headers, body):
        authorization = headers.get("authorization", "")
        match = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                         r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$", authorization)
        if not match:
            raise ApiError(403, "IncompleteSignatureException" if authorization else "MissingAuthenticationTokenException",
                           "Authorization header missing or malformed")
        key_id, day, region, signed_service, signed_headers, signature = match.groups()
        if key_id != self.args.access_key:
            raise ApiError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
        amz_date = headers.get("x-amz-date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except ValueError:
            raise ApiError(403, "IncompleteSignatureException", "X-Amz-Date missing or malformed") from None
        if abs(datetime.datetime.utcnow() - when) > MAX_SKEW:
            raise ApiError(403, "InvalidSignatureException", "Signature expired: " + amz_date + " is now earlier or later than 15 min")
        names = signed_headers.split(";")
        if "host" not in names or "x-amz-date" not in names or day != amz_date[:8]:
            raise ApiError(403, "IncompleteSignatureException", "host and x-amz-date must be signed with the date of the scope")
        if region != self.args.region or signed_service != service:
            raise ApiError(403, "InvalidSignatureException",
                           f"Credential should be scoped to a valid region/service: {self.args.region}/{service}")
        request = AWSRequest(method=method, url="http://" + headers.get("host", "") + path, data=body,
                             headers={name: headers.get(name, "") for name in names})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(self.credentials, service, region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, signature):
            raise ApiError(403, "InvalidSignatureException",
                           "The request signature we calculated does not match the signature you provided.")

    def validate(self, service, operation, headers, body):
        wanted = "application/json" if service == "batch" else "application/x-amz-json-1.1"
        if headers.get("content-type", "").split(";")[0].strip() != wanted:
            raise ApiError(400, "SerializationException", f"Content-Type must be {wanted}")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "SerializationException", "body is not JSON") from None
        if not isinstance(params, dict):
            raise ApiError(400, "SerializationException", "body is not a JSON object")
        try:
            validate_parameters(params, self.models[service].operation_model(operation).input_shape)
        except ParamValidationError as error:
            code = "ClientException" if service == "batch" else "InvalidParameterException"
            raise ApiError(400, code, str(error)) from None
        return params

    # -- operations -----------------------------------------------------------------------------
    def submit_job(self, params):
        if not JOB_NAME.match(params["jobName"]):
            raise ApiError(400, "ClientException", "Job name must match " + JOB_NAME.pattern)
        queues = self.args.job_queues.split(",") if self.args.job_queues else []
        if queues and params["jobQueue"] not in queues:
            raise ApiError(400, "ClientException",
                           f"Job Queue {params['jobQueue']} does not exist or is not in VALID state")
        environment = {e["name"]: e["value"] for e in params.get("containerOverrides", {}).get("environment", [])}
        job = Job("batch", str(uuid.uuid4()), params["jobName"], environment, self.take_fault("SubmitJob", {"start-failure"}))
        job.queue, job.definition = params["jobQueue"], params["jobDefinition"]
        self.start(job)
        return {"jobArn": f"arn:aws:batch:{self.args.region}:{ACCOUNT}:job/{job.id}", "jobName": job.name, "jobId": job.id}

    def run_task(self, params):
        if self.take_fault("RunTask", {"failures"}):
            return {"tasks": [], "failures": [{"arn": f"arn:aws:ecs:{self.args.region}:{ACCOUNT}:container-instance/x",
                                               "reason": "RESOURCE:MEMORY"}]}
        clusters = self.args.clusters.split(",") if self.args.clusters else []
        cluster = params.get("cluster", "default")
        if clusters and cluster not in clusters:
            raise ApiError(400, "ClusterNotFoundException", "Cluster not found.")
        if params.get("launchType") == "FARGATE" and \
                not params.get("networkConfiguration", {}).get("awsvpcConfiguration", {}).get("subnets"):
            raise ApiError(400, "InvalidParameterException",
                           "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
        environment = {}
        for override in params.get("overrides", {}).get("containerOverrides", []):
            if override.get("name") != self.args.container_name:
                raise ApiError(400, "InvalidParameterException",
                               f"Override for container named {override.get('name')} is not a container in the TaskDefinition.")
            environment.update({e["name"]: e["value"] for e in override.get("environment", [])})
        task_id = uuid.uuid4().hex
        arn = f"arn:aws:ecs:{self.args.region}:{ACCOUNT}:task/{cluster}/{task_id}"
        job = Job("ecs", arn, task_id, environment, self.take_fault("RunTask", {"start-failure"}))
        job.cluster, job.definition, job.started_by = cluster, params["taskDefinition"], params.get("startedBy", "")
        self.start(job)
        return {"tasks": [self.describe_task(job)], "failures": []}

    def describe_jobs(self, params):
        with self.lock:
            return {"jobs": [self.describe_job(self.jobs[i]) for i in params["jobs"] if i in self.jobs]}

    def describe_tasks(self, params):
        with self.lock:
            tasks = [self.describe_task(self.jobs[a]) for a in params["tasks"] if a in self.jobs]
            failures = [{"arn": a, "reason": "MISSING"} for a in params["tasks"] if a not in self.jobs]
        return {"tasks": tasks, "failures": failures}

    def stop(self, job_id, reason, service):
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.service != service:
                code = "ClientException" if service == "batch" else "InvalidParameterException"
                raise ApiError(400, code, f"The specified job or task {job_id} does not exist.")
            job.stop_requested = reason or "Task stopped by user"
            if job.process is not None and job.process.poll() is None:
                job.process.send_signal(signal.SIGTERM)
        return job

    # -- the job's life -------------------------------------------------------------------------
    def start(self, job):
        with self.lock:
            self.jobs[job.id] = job
        threading.Thread(target=self.run, args=(job,), daemon=True).start()

    def advance(self, job, status):
        time.sleep(self.args.step_seconds)
        with self.lock:
            if job.stop_requested is not None:
                return False
            job.status = status
        return True

    def finish(self, job, exit_code, reason, stop_code):
        with self.lock:
            job.exit_code, job.stopped = exit_code, time.time()
            job.reason = job.stop_requested if job.stop_requested is not None else reason
            job.stop_code = "UserInitiated" if job.stop_requested is not None else stop_code
            if job.service == "batch":
                job.status = "SUCCEEDED" if exit_code == 0 else "FAILED"
            else:
                job.status = "STOPPED"

    def run(self, job):
        steps = ["RUNNABLE", "STARTING"] if job.service == "batch" else ["PENDING"]
        for status in steps:
            if not self.advance(job, status):
                return self.finish(job, None, "", "")
        if job.start_failure:
            time.sleep(self.args.step_seconds)
            return self.finish(job, None, "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                               "failed to resolve ref txt2pdf-job:latest: not found", "TaskFailedToStart")
        environment = dict(os.environ)
        environment.update(job.environment)
        if job.service == "batch":
            environment["AWS_BATCH_JOB_ID"] = job.id
        output = subprocess.DEVNULL
        if self.args.log_dir:
            output = open(os.path.join(self.args.log_dir, job.name + "-" + job.id[-12:] + ".log"), "wb")
        with self.lock:
            if job.stop_requested is not None:
                return self.finish(job, None, "", "")
            job.process = subprocess.Popen(shlex.split(self.args.job_command), env=environment,
                                           stdin=subprocess.DEVNULL, stdout=output, stderr=output)
            job.status, job.started = "RUNNING", time.time()
        code = job.process.wait()
        if output is not subprocess.DEVNULL:
            output.close()
        if job.service == "ecs":
            self.advance(job, "DEPROVISIONING")
        # Containers killed by a signal report 128 + the signal number, as docker does.
        self.finish(job, code if code >= 0 else 128 - code, "Essential container in task exited", "EssentialContainerExited")

    # -- replies --------------------------------------------------------------------------------
    def describe_job(self, job):
        described = {"jobArn": f"arn:aws:batch:{self.args.region}:{ACCOUNT}:job/{job.id}", "jobName": job.name,
                     "jobId": job.id, "jobQueue": job.queue, "status": job.status, "jobDefinition": job.definition,
                     "createdAt": int(job.created * 1000), "dependsOn": [],
                     "container": {"environment": [{"name": k, "value": v} for k, v in job.environment.items()]},
                     "attempts": []}
        if job.started:
            described["startedAt"] = int(job.started * 1000)
        if job.status in ("SUCCEEDED", "FAILED"):
            described["statusReason"] = job.reason
            described["stoppedAt"] = int(job.stopped * 1000)
            if job.exit_code is not None:
                described["container"]["exitCode"] = job.exit_code
                described["attempts"] = [{"container": {"exitCode": job.exit_code, "logStreamName": "txt2pdf/" + job.id},
                                          "startedAt": int((job.started or job.stopped) * 1000),
                                          "stoppedAt": int(job.stopped * 1000), "statusReason": job.reason}]
        return described

    def describe_task(self, job):
        container = {"containerArn": f"arn:aws:ecs:{self.args.region}:{ACCOUNT}:container/{job.name}/{uuid.uuid5(uuid.NAMESPACE_URL, job.id)}",
                     "taskArn": job.id, "name": self.args.container_name,
                     "lastStatus": {"RUNNING": "RUNNING", "DEPROVISIONING": "STOPPED", "STOPPED": "STOPPED"}.get(job.status, "PENDING")}
        task = {"taskArn": job.id, "clusterArn": f"arn:aws:ecs:{self.args.region}:{ACCOUNT}:cluster/{job.cluster}",
                "taskDefinitionArn": f"arn:aws:ecs:{self.args.region}:{ACCOUNT}:task-definition/{job.definition}",
                "lastStatus": job.status, "desiredStatus": "STOPPED" if job.status == "STOPPED" or job.stop_requested else "RUNNING",
                "launchType": "FARGATE", "platformVersion": "1.4.0", "startedBy": job.started_by,
                "createdAt": job.created, "containers": [container],
                "overrides": {"containerOverrides": [{"name": self.args.container_name,
                                                      "environment": [{"name": k, "value": v} for k, v in job.environment.items()]}]}}
        if job.started:
            task["startedAt"] = job.started
        if job.status == "STOPPED":
            task.update({"stoppedAt": job.stopped, "stoppedReason": job.reason, "stopCode": job.stop_code})
            if job.exit_code is not None:
                container["exitCode"] = job.exit_code
            else:
                container["reason"] = job.reason
        return task

    def dispatch(self, service, operation, params):
        if service == "batch":
            handlers = {"SubmitJob": self.submit_job, "DescribeJobs": self.describe_jobs,
                        "TerminateJob": lambda p: (self.stop(p["jobId"], p["reason"], "batch"), {})[1]}
        else:
            handlers = {"RunTask": self.run_task, "DescribeTasks": self.describe_tasks,
                        "StopTask": lambda p: {"task": self.describe_task(self.stop(p["task"], p.get("reason", ""), "ecs"))}}
        if operation not in handlers:
            raise ApiError(400, "UnknownOperationException", f"{operation} is not served by this stand-in")
        return handlers[operation](params)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    standin = None  # set in main

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        if self.standin.args.verbose:
            super().log_message(format, *args)

    def reply(self, status, payload, headers=()):
        body = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with self.standin.lock:
            if self.path == "/_standin/requests":
                return self.reply(200, self.standin.requests)
            if self.path == "/_standin/jobs":
                return self.reply(200, [{"id": j.id, "service": j.service, "status": j.status, "exitCode": j.exit_code,
                                         "environment": j.environment} for j in self.standin.jobs.values()])
        self.reply(404, {"message": "unknown path"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/_standin/faults":
            with self.standin.lock:
                self.standin.faults.extend(json.loads(body))
            return self.reply(200, {})
        headers = {name.lower(): value for name, value in self.headers.items()}
        target = headers.get("x-amz-target", "")
        if target:
            service, operation = "ecs", target[len(ECS_TARGET_PREFIX):] if target.startswith(ECS_TARGET_PREFIX) else target
        else:
            service, operation = "batch", BATCH_PATHS.get(self.path.split("?")[0], "unknown path " + self.path)
        record = {"service": service, "operation": operation, "status": 200, "code": ""}
        try:
            self.standin.verify_signature(service, "POST", self.path, headers, body)
            params = self.standin.validate(service, operation, headers, body) \
                if operation in self.standin.models[service].operation_names else {}
            fault = self.standin.take_fault(operation, {"error"})
            if fault:
                raise ApiError(fault.get("status", 500), fault.get("code", "ServerException"),
                               fault.get("message", "injected fault"))
            result = self.standin.dispatch(service, operation, params)
            record["params"] = params
            self.reply(200, result, [("Content-Type", "application/json" if service == "batch" else "application/x-amz-json-1.1")])
        except ApiError as error:
            record.update(status=error.status, code=error.code, message=error.message)
            if service == "batch":
                self.reply(error.status, {"message": error.message},
                           [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code + BATCH_ERROR_SUFFIX)])
            else:
                self.reply(error.status, {"__type": error.code, "message": error.message},
                           [("Content-Type", "application/x-amz-json-1.1")])
        with self.standin.lock:
            self.standin.requests.append(record)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--job-command", required=True, help="command line each job runs (shell words)")
    parser.add_argument("--access-key", default=os.environ.get("STANDIN_ACCESS_KEY", "AKIDSTANDINTEST"))
    parser.add_argument("--secret-key", default=os.environ.get("STANDIN_SECRET_KEY", "standin/secret/key/for/tests"))
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--container-name", default="txt2pdf-job", help="the task definition's only container")
    parser.add_argument("--job-queues", default="", help="comma list of known queues (empty: any)")
    parser.add_argument("--clusters", default="", help="comma list of known clusters (empty: any)")
    parser.add_argument("--step-seconds", type=float, default=0.2, help="time spent in each state before RUNNING")
    parser.add_argument("--faults", default="", help="JSON list of faults (also STANDIN_FAULTS)")
    parser.add_argument("--log-dir", default="", help="write each job's output to a file here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    Handler.standin = StandIn(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"LISTENING {server.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    with Handler.standin.lock:
        for job in Handler.standin.jobs.values():
            if job.process is not None and job.process.poll() is None:
                job.process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
