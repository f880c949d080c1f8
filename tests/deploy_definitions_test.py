#!/usr/bin/python3
"""The deploy definitions checked without AWS.

- Every AWS Batch / ECS definition (deploy/aws/*.json and the same resources inside the
  CloudFormation template) is turned into its API request (RegisterJobDefinition,
  RegisterTaskDefinition, CreateService) and validated with botocore.validate against the service
  models of Debian's python3-botocore.
- The CloudFormation template parses (short-form tags), every resource type is known and has its
  required properties (a hand table: REQUIRED_PROPERTIES below, taken from the CloudFormation
  resource reference), every Ref/GetAtt/Sub/If points at something that exists.
- The IAM policies of the job and the dispatcher allow exactly the actions the code calls, derived
  by scanning the request builders in src/ (SQS X-Amz-Target operations, ECS operations, Batch REST
  paths mapped through the botocore model, S3Client calls).
- Batch evaluateOnExit rules and the Kubernetes podFailurePolicy agree with kExitCodeTable parsed
  from include/txt2pdf/core/exit_codes.hpp.
- The Kubernetes manifests parse and reference the image, /healthz probes and IRSA annotations.

Run: /usr/bin/python3 tests/deploy_definitions_test.py   (registered in ctest by
tests/integration/deploy.cmake, label unit).
"""

import copy
import json
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

import botocore.session
import yaml
from botocore.validate import ParamValidator

ROOT = Path(os.environ.get("TXT2PDF_SOURCE_DIR", Path(__file__).resolve().parents[1]))
AWS_DIR = ROOT / "deploy" / "aws"
K8S_DIR = ROOT / "deploy" / "k8s"

# Values for the ${Name} placeholders of the definitions: shaped like what scripts/deploy puts in.
PLACEHOLDERS = {
    "ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/txt2pdf-batch:0.1.0",
    "Region": "eu-west-1",
    "JobRoleArn": "arn:aws:iam::123456789012:role/txt2pdf-job",
    "DispatcherRoleArn": "arn:aws:iam::123456789012:role/txt2pdf-dispatcher",
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/txt2pdf-execution",
    "JobLogGroup": "/txt2pdf/job",
    "DispatcherLogGroup": "/txt2pdf/dispatcher",
    "QueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/txt2pdf-uploads",
    "DeadLetterQueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/txt2pdf-dlq",
    "OutputBucket": "txt2pdf-output-123456789012-eu-west-1",
    "JobQueueArn": "arn:aws:batch:eu-west-1:123456789012:job-queue/txt2pdf-jobs",
    "JobDefinitionArn": "arn:aws:batch:eu-west-1:123456789012:job-definition/txt2pdf-job:1",
    "ClusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/txt2pdf",
    "JobTaskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/txt2pdf-job:1",
    "DispatcherTaskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/txt2pdf-dispatcher:1",
    "Subnets": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
    "Subnet1": "subnet-0123456789abcdef0",
    "Subnet2": "subnet-0fedcba9876543210",
    "SecurityGroup": "sg-0123456789abcdef0",
    "Namespace": "txt2pdf",
    "SourceBucket": "txt2pdf-input-123456789012-eu-west-1",
    "ObjectKey": "docs/a file.txt",
    "ManifestUri": "s3://txt2pdf-output-123456789012-eu-west-1/backfill/manifest.csv",
    "ReportUri": "s3://txt2pdf-output-123456789012-eu-west-1/backfill/reports/",
    "ChunkSize": "1000",
    "ArraySize": "4000",
    "Parallelism": "20",
}
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def render(text):
    def value(match):
        if match.group(1) not in PLACEHOLDERS:
            raise AssertionError(f"unknown placeholder ${{{match.group(1)}}}")
        return PLACEHOLDERS[match.group(1)]
    return PLACEHOLDER.sub(value, text)


def load_definition(name):
    return json.loads(render((AWS_DIR / name).read_text()))


# ------------------------------------------------------------------ exit-code table from the header
def exit_code_table():
    header = (ROOT / "include" / "txt2pdf" / "core" / "exit_codes.hpp").read_text()
    values = {name: int(value) for name, value in re.findall(r"(kExit\w+)\s*=\s*(\d+)", header)}
    table = header[header.index("kExitCodeTable"):]
    rows = re.findall(r"\{\s*(kExit\w+)\s*,\s*\"([^\"]+)\"\s*,\s*(true|false)", table)
    if len(rows) < 7:
        raise AssertionError(f"could not parse kExitCodeTable ({len(rows)} rows)")
    return {values[name]: (label, retry == "true") for name, label, retry in rows}


def batch_glob(pattern, text):
    """AWS Batch evaluateOnExit matching: exact, or a prefix when the pattern ends with '*'."""
    if pattern.endswith("*"):
        return text.startswith(pattern[:-1])
    return text == pattern


def batch_action(rules, exit_code, reason="Essential container in task exited"):
    for rule in rules:
        if "onExitCode" in rule and (exit_code is None or not batch_glob(rule["onExitCode"], str(exit_code))):
            continue
        if "onReason" in rule and not batch_glob(rule["onReason"], reason):
            continue
        if "onStatusReason" in rule and not batch_glob(rule["onStatusReason"], reason):
            continue
        return rule["action"].upper()
    return None  # no rule: Batch retries while attempts remain


# ------------------------------------------------------------------ botocore
SESSION = botocore.session.get_session()


def validate_request(service, operation, params):
    model = SESSION.get_service_model(service)
    shape = model.operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise AssertionError(f"{service}.{operation}: {report.generate_report()}")


# ------------------------------------------------------------------ CloudFormation
class Intrinsic:
    def __init__(self, name, value):
        self.name, self.value = name, value

    def __repr__(self):
        return f"!{self.name} {self.value!r}"


class CfnLoader(yaml.SafeLoader):
    pass


def _intrinsic(name):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return Intrinsic(name, value)
    return construct


for _tag in ("Ref", "Sub", "GetAtt", "Join", "If", "Not", "Equals", "And", "Or", "Condition",
             "Select", "Split", "FindInMap", "Base64", "Cidr", "GetAZs", "ImportValue"):
    CfnLoader.add_constructor("!" + _tag, _intrinsic(_tag))


def load_template():
    return yaml.load((AWS_DIR / "cloudformation.yaml").read_text(), Loader=CfnLoader)


# Required properties per resource type used by the template: a hand table from the
# CloudFormation resource reference (types absent here are reported as unknown).
REQUIRED_PROPERTIES = {
    "AWS::SQS::Queue": set(),
    "AWS::SQS::QueuePolicy": {"PolicyDocument", "Queues"},
    "AWS::S3::Bucket": set(),
    "AWS::S3::BucketPolicy": {"Bucket", "PolicyDocument"},
    "AWS::Logs::LogGroup": set(),
    "AWS::IAM::Role": {"AssumeRolePolicyDocument"},
    "AWS::EC2::SecurityGroup": {"GroupDescription"},
    "AWS::ECS::Cluster": set(),
    "AWS::ECS::TaskDefinition": set(),
    "AWS::ECS::Service": set(),
    "AWS::Batch::ComputeEnvironment": {"Type"},
    "AWS::Batch::JobQueue": {"ComputeEnvironmentOrder", "Priority"},
    "AWS::Batch::JobDefinition": {"Type"},
}
PSEUDO_PARAMETERS = {"AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::StackName",
                     "AWS::NoValue", "AWS::URLSuffix", "AWS::StackId"}
ARN_ATTRIBUTES = {"Arn"}


def walk(value):
    yield value
    if isinstance(value, Intrinsic):
        yield from walk(value.value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


class Resolver:
    """Evaluates intrinsics with placeholder values, for turning resources into API requests."""

    def __init__(self, template, conditions):
        self.template, self.conditions = template, conditions
        self.parameters = template.get("Parameters", {})

    def ref(self, name):
        if name in self.parameters:
            parameter = self.parameters[name]
            default = parameter.get("Default", f"param-{name}")
            if parameter["Type"] == "Number":
                return int(default)
            if parameter["Type"].startswith("List<"):
                return ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
            if name == "ImageUri":
                return PLACEHOLDERS["ImageUri"]
            return default
        if name == "AWS::Region":
            return "eu-west-1"
        if name in PSEUDO_PARAMETERS:
            return f"pseudo-{name}"
        resource_type = self.template["Resources"][name]["Type"]
        return f"arn:aws:{resource_type.split('::')[1].lower()}:eu-west-1:123456789012:{name}"

    def __call__(self, value):
        if isinstance(value, Intrinsic):
            if value.name == "Ref":
                return self.ref(value.value)
            if value.name == "GetAtt":
                return f"arn:aws:resolved:{value.value[0]}:{value.value[1]}"
            if value.name == "Sub":
                text = value.value if isinstance(value.value, str) else value.value[0]
                return PLACEHOLDER.sub(lambda m: "x", re.sub(r"\$\{([A-Za-z0-9:.]+)\}", "sub", text))
            if value.name == "Join":
                parts = self(value.value[1])
                return value.value[0].join(str(p) for p in parts)
            if value.name == "If":
                branch = value.value[1] if self.conditions[value.value[0]] else value.value[2]
                return self(branch)
            raise AssertionError(f"unexpected intrinsic {value!r} in a resource property")
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                resolved = self(item)
                if resolved != "pseudo-AWS::NoValue":
                    out[key] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self(item) for item in value) if r != "pseudo-AWS::NoValue"]
        return value


def camel(value, keep_keys=False):
    """CloudFormation's PascalCase properties -> the API's camelCase members (the map under a log
    configuration's Options keeps its keys)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = key if keep_keys else key[0].lower() + key[1:]
            out[name] = camel(item, keep_keys=(key == "Options"))
        return out
    if isinstance(value, list):
        return [camel(item) for item in value]
    return value


def statements(role):
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            yield statement


def as_list(value):
    return value if isinstance(value, list) else [value]


def policy_actions(role, use_kms):
    actions = set()
    for statement in statements(role):
        if isinstance(statement, Intrinsic) and statement.name == "If":
            statement = statement.value[1] if use_kms else statement.value[2]
            if isinstance(statement, Intrinsic):
                continue  # AWS::NoValue
        if statement["Effect"] == "Allow":
            actions.update(as_list(statement["Action"]))
    return actions


# ------------------------------------------------------------------ actions the code calls
def source(*patterns):
    files = []
    for pattern in patterns:
        files.extend(sorted((ROOT / "src").glob(pattern)))
    return "\n".join(path.read_text() for path in files)


def sqs_actions():
    code = source("aws/sqs.cpp")
    assert '"AmazonSQS."' in code, "src/aws/sqs.cpp no longer builds AmazonSQS.* targets"
    # A batch call is authorized by its single action (DeleteMessageBatch needs sqs:DeleteMessage):
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html
    return {"sqs:" + re.sub(r"Batch$", "", op) for op in re.findall(r"json_request\(\s*\w+\s*,\s*\"(\w+)\"", code)}


def ecs_actions():
    code = source("aws/ecs.cpp")
    assert "AmazonEC2ContainerServiceV20141113." in code
    return {"ecs:" + op for op in re.findall(r"json11_post\(\s*\w+\s*,\s*\"(\w+)\"", code)}


def batch_actions():
    paths = set(re.findall(r"\"(/v1/\w+)\"", source("aws/batch.cpp")))
    model = SESSION.get_service_model("batch")
    by_path = {model.operation_model(op).http["requestUri"]: op for op in model.operation_names}
    unknown = paths - set(by_path)
    assert not unknown, f"Batch paths not in the botocore model: {unknown}"
    return {"batch:" + by_path[path] for path in paths}


# S3Client member -> IAM action (HEAD is authorised by s3:GetObject). Reading an object also needs
# s3:ListBucket on its bucket so that a missing key answers 404 (exit 66) rather than 403 (77).
S3_CALLS = {"head_object": "s3:GetObject", "get_object": "s3:GetObject", "put_object": "s3:PutObject",
            "list_objects": "s3:ListBucket"}


def s3_actions(code):
    calls = set(re.findall(r"\.(head_object|get_object|put_object|list_objects)\(", code))
    actions = {S3_CALLS[call] for call in calls}
    if calls & {"head_object", "get_object"}:
        actions.add("s3:ListBucket")
    return actions


# ================================================================== tests
class ApiRequests(unittest.TestCase):
    def test_batch_job_definitions_validate(self):
        for name in ("batch-job-definition-fargate.json", "batch-job-definition-ec2.json",
                     "batch-job-definition-backfill.json"):
            with self.subTest(name=name):
                definition = load_definition(name)
                validate_request("batch", "RegisterJobDefinition", definition)
                container = definition["containerProperties"]
                self.assertTrue(container["readonlyRootFilesystem"])
                self.assertEqual(container["user"], "65532:65532")
                self.assertEqual(container["logConfiguration"]["logDriver"], "awslogs")
                self.assertTrue(container["jobRoleArn"] and container["executionRoleArn"])
                self.assertGreaterEqual(definition["timeout"]["attemptDurationSeconds"], 60)
                self.assertEqual(definition["retryStrategy"]["attempts"], 3)
                self.assertTrue(any(m["containerPath"] == "/tmp" for m in container.get("mountPoints", []))
                                or any(t["containerPath"] == "/tmp"
                                       for t in container.get("linuxParameters", {}).get("tmpfs", [])),
                                "read-only root needs a writable /tmp")

    def test_ecs_task_definitions_validate(self):
        fargate_sizes = {"256": {"512", "1024", "2048"}}  # the smallest Fargate CPU size
        for name in ("ecs-task-definition-job.json", "ecs-task-definition-dispatcher.json"):
            with self.subTest(name=name):
                definition = load_definition(name)
                validate_request("ecs", "RegisterTaskDefinition", definition)
                self.assertIn(definition["memory"], fargate_sizes[definition["cpu"]])
                for container in definition["containerDefinitions"]:
                    self.assertTrue(container["readonlyRootFilesystem"])
                    self.assertEqual(container["user"], "65532:65532")
                    self.assertLessEqual(container["stopTimeout"], 120)  # Fargate's maximum
                    self.assertEqual(container["logConfiguration"]["logDriver"], "awslogs")

    def test_dispatcher_task_has_health_check_on_8080(self):
        container = load_definition("ecs-task-definition-dispatcher.json")["containerDefinitions"][0]
        self.assertEqual(container["entryPoint"], ["/usr/local/bin/txt2pdf-dispatcher"])
        self.assertIn({"containerPort": 8080, "protocol": "tcp"}, container["portMappings"])
        env = {e["name"]: e["value"] for e in container["environment"]}
        self.assertEqual(env["HEALTH_PORT"], "8080")
        self.assertLess(int(env["DRAIN_TIMEOUT_SECONDS"]), container["stopTimeout"])
        self.assertEqual(container["healthCheck"]["command"][0], "CMD")  # no shell in the image

    def test_ecs_service_validates(self):
        validate_request("ecs", "CreateService", load_definition("ecs-service-dispatcher.json"))

    def test_no_unknown_placeholders(self):
        for path in list(AWS_DIR.glob("*.json")) + list(K8S_DIR.glob("*.yaml")):
            with self.subTest(path=path.name):
                render(path.read_text())


class RetryRules(unittest.TestCase):
    def check_rules(self, rules):
        self.assertLessEqual(len(rules), 5, "Batch accepts at most 5 evaluateOnExit rules")
        for code, (label, retry) in exit_code_table().items():
            if code == 0:
                continue
            with self.subTest(code=code, label=label):
                self.assertEqual(batch_action(rules, code), "RETRY" if retry else "EXIT")
        last = rules[-1]
        self.assertTrue(last.get("onReason") == "*" or last.get("onExitCode") == "*",
                        "the last rule must be a catch-all")
        # Crashes and kills outside the table (OOM 137, segfault 139) and exits without a code
        # (host terminated) reach the catch-all.
        for code in (1, 2, 137, 139, None):
            self.assertEqual(batch_action(rules, code), last["action"].upper())

    def test_json_definitions_follow_the_table(self):
        for name in ("batch-job-definition-fargate.json", "batch-job-definition-ec2.json",
                     "batch-job-definition-backfill.json"):
            with self.subTest(name=name):
                self.check_rules(load_definition(name)["retryStrategy"]["evaluateOnExit"])

    def test_template_job_definition_equals_the_json_one(self):
        template = load_template()
        props = camel(template["Resources"]["JobDefinition"]["Properties"])
        json_rules = load_definition("batch-job-definition-fargate.json")["retryStrategy"]
        self.assertEqual(props["retryStrategy"], json_rules)

    def test_header_parse_sees_every_code(self):
        self.assertEqual(set(exit_code_table()), {0, 64, 65, 66, 70, 75, 77})


class Template(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.template = load_template()
        cls.resources = cls.template["Resources"]

    def test_types_and_required_properties(self):
        for name, resource in self.resources.items():
            with self.subTest(resource=name):
                self.assertIn(resource["Type"], REQUIRED_PROPERTIES, "type missing from the hand table")
                missing = REQUIRED_PROPERTIES[resource["Type"]] - set(resource.get("Properties", {}))
                self.assertFalse(missing, f"required properties missing: {missing}")

    def test_references_resolve(self):
        names = set(self.resources) | set(self.template["Parameters"]) | PSEUDO_PARAMETERS
        conditions = set(self.template.get("Conditions", {}))
        for node in walk(self.template):
            if not isinstance(node, Intrinsic):
                continue
            if node.name == "Ref":
                self.assertIn(node.value, names)
            elif node.name == "GetAtt":
                self.assertIn(node.value[0], self.resources)
            elif node.name == "If":
                self.assertIn(node.value[0], conditions)
            elif node.name == "Sub":
                text = node.value if isinstance(node.value, str) else node.value[0]
                for ref in re.findall(r"\$\{([A-Za-z0-9:.]+)\}", text):
                    self.assertIn(ref.split(".")[0], names, f"!Sub {text}")
        for name, resource in self.resources.items():
            for dependency in as_list(resource.get("DependsOn", [])):
                self.assertIn(dependency, self.resources, f"{name} DependsOn")

    def test_resources_become_valid_api_requests(self):
        for use_kms in (False, True):
            resolve = Resolver(self.template, {"UseKms": use_kms})
            cases = [("JobDefinition", "batch", "RegisterJobDefinition", {}),
                     ("JobTaskDefinition", "ecs", "RegisterTaskDefinition", {}),
                     ("DispatcherTaskDefinition", "ecs", "RegisterTaskDefinition", {}),
                     ("DispatcherService", "ecs", "CreateService", {})]
            for resource, service, operation, extra in cases:
                with self.subTest(resource=resource, use_kms=use_kms):
                    params = camel(resolve(copy.deepcopy(self.resources[resource]["Properties"])))
                    params.update(extra)
                    validate_request(service, operation, params)

    def test_buckets_encrypted_private_and_policed(self):
        for bucket, policy in (("InputBucket", "InputBucketPolicy"), ("OutputBucket", "OutputBucketPolicy")):
            with self.subTest(bucket=bucket):
                props = self.resources[bucket]["Properties"]
                self.assertIn("BucketEncryption", props)
                self.assertTrue(all(props["PublicAccessBlockConfiguration"].values()))
                sids = {s["Sid"]: s for s in self.resources[policy]["Properties"]["PolicyDocument"]["Statement"]}
                deny = sids["DenyUnencryptedUploads"]
                self.assertEqual((deny["Effect"], deny["Action"]), ("Deny", "s3:PutObject"))

    def test_queue_notification_and_redrive(self):
        queue = self.resources["Queue"]["Properties"]
        self.assertEqual(queue["ReceiveMessageWaitTimeSeconds"], 20)
        self.assertEqual(queue["RedrivePolicy"]["maxReceiveCount"], 3)
        self.assertTrue(queue["SqsManagedSseEnabled"])
        self.assertTrue(self.resources["DeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"])
        notification = self.resources["InputBucket"]["Properties"]["NotificationConfiguration"]
        rules = notification["QueueConfigurations"][0]["Filter"]["S3Key"]["Rules"]
        self.assertEqual({r["Name"] for r in rules}, {"prefix", "suffix"})


class IamPolicies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.resources = load_template()["Resources"]

    def test_job_role_allows_exactly_what_the_job_calls(self):
        code = source("job/*.cpp", "bin/job_main.cpp")
        expected = s3_actions(code)
        self.assertTrue(expected, "no S3Client call found in the job's sources (src/job/*.cpp)")
        self.assertEqual(policy_actions(self.resources["JobRole"], use_kms=False), expected)
        self.assertEqual(policy_actions(self.resources["JobRole"], use_kms=True),
                         expected | {"kms:Decrypt", "kms:GenerateDataKey"})

    def test_dispatcher_role_allows_exactly_what_the_dispatcher_calls(self):
        # The console (src/dispatch/console*.cpp, CONSOLE=on) is off in these definitions: its
        # uploads' s3:PutObject on the input bucket is granted only by whoever turns it on (README).
        code = "\n".join(path.read_text() for path in sorted((ROOT / "src").glob("dispatch/*.cpp"))
                          if not path.name.startswith("console")) + source("bin/dispatcher_main.cpp")
        expected = sqs_actions() | ecs_actions() | batch_actions() | s3_actions(code) | {"iam:PassRole"}
        expected |= {"batch:TagResource", "ecs:TagResource"}  # tag-on-create of SubmitJob / RunTask
        self.assertIn("s3:GetObject", expected, "the dispatcher HEADs objects through S3Client")
        self.assertEqual(policy_actions(self.resources["DispatcherRole"], use_kms=False), expected)

    def test_pass_role_is_exactly_the_job_task_roles(self):
        task = self.resources["JobTaskDefinition"]["Properties"]
        passed = {task["TaskRoleArn"].value[0], task["ExecutionRoleArn"].value[0]}
        for statement in statements(self.resources["DispatcherRole"]):
            if not isinstance(statement, Intrinsic) and "iam:PassRole" in as_list(statement["Action"]):
                self.assertEqual({r.value[0] for r in statement["Resource"]}, passed)
                self.assertEqual(statement["Condition"]["StringEquals"]["iam:PassedToService"],
                                 "ecs-tasks.amazonaws.com")

    def test_terminate_and_stop_only_what_the_dispatcher_tagged(self):
        header = (ROOT / "include/txt2pdf/aws/job_tags.hpp").read_text()
        key = re.search(r'kManagedByTagKey = "([^"]+)"', header).group(1)
        value = re.search(r'kManagedByTagValue = "([^"]+)"', header).group(1)
        conditions = {}
        for statement in statements(self.resources["DispatcherRole"]):
            if isinstance(statement, Intrinsic):
                continue
            for action in as_list(statement["Action"]):
                conditions.setdefault(action, []).append(statement.get("Condition", {}))
        for action, tag_key in (("batch:TerminateJob", "aws:ResourceTag/"), ("ecs:StopTask", "ecs:ResourceTag/")):
            self.assertTrue(conditions.get(action), action)
            for condition in conditions[action]:  # every statement granting it, not just one
                self.assertEqual(condition.get("StringEquals", {}).get(tag_key + key), value, action)
        for action in ("batch:TagResource", "ecs:TagResource"):
            for condition in conditions[action]:
                self.assertEqual(condition["StringEquals"]["aws:RequestTag/" + key], value, action)
                self.assertEqual(condition["ForAllValues:StringEquals"]["aws:TagKeys"], [key], action)
        self.assertEqual([c["StringEquals"]["ecs:CreateAction"] for c in conditions["ecs:TagResource"]],
                         ["RunTask"])

    def test_wildcard_resources_only_where_iam_has_no_resource_level(self):
        allowed_star = {"batch:DescribeJobs", "ecr:GetAuthorizationToken"}
        for role in ("JobRole", "DispatcherRole", "ExecutionRole"):
            for statement in statements(self.resources[role]):
                if isinstance(statement, Intrinsic):
                    continue
                if statement["Resource"] == "*":
                    self.assertLessEqual(set(as_list(statement["Action"])), allowed_star, role)


class Kubernetes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.documents = []
        for path in sorted(K8S_DIR.glob("*.yaml")):
            cls.documents.extend(d for d in yaml.safe_load_all(render(path.read_text())) if d)
        cls.by_kind = {}
        for document in cls.documents:
            cls.by_kind.setdefault(document["kind"], []).append(document)

    def pod_spec(self, kind):
        return self.by_kind[kind][0]["spec"]["template"]["spec"]

    def check_pod(self, spec):
        accounts = {sa["metadata"]["name"]: sa for sa in self.by_kind["ServiceAccount"]}
        account = accounts[spec["serviceAccountName"]]
        self.assertTrue(account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::"))
        self.assertTrue(spec["securityContext"]["runAsNonRoot"])
        self.assertEqual(spec["securityContext"]["runAsUser"], 65532)
        container = spec["containers"][0]
        self.assertEqual(container["image"], PLACEHOLDERS["ImageUri"])
        self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
        self.assertIn("/tmp", [m["mountPath"] for m in container["volumeMounts"]])
        return container

    def test_dispatcher_deployment_probes_healthz(self):
        container = self.check_pod(self.pod_spec("Deployment"))
        self.assertEqual(container["command"], ["/usr/local/bin/txt2pdf-dispatcher"])
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        env = {e["name"]: e["value"] for e in container["env"]}
        for probe in ("livenessProbe", "readinessProbe"):
            get = container[probe]["httpGet"]
            self.assertEqual(get["path"], "/healthz")
            self.assertEqual(ports.get(get["port"], get["port"]), 8080)
        self.assertEqual(env["HEALTH_PORT"], "8080")
        grace = self.pod_spec("Deployment")["terminationGracePeriodSeconds"]
        self.assertLess(int(env["DRAIN_TIMEOUT_SECONDS"]), grace)

    def job(self, name):
        return next(j for j in self.by_kind["Job"] if j["metadata"]["generateName"] == name)

    def test_job_template_follows_the_exit_table(self):
        job = self.job("txt2pdf-job-")
        container = self.check_pod(job["spec"]["template"]["spec"])
        env = {e["name"] for e in container["env"]}
        self.assertLessEqual({"SOURCE_BUCKET", "OBJECT_KEY", "DEST_BUCKET"}, env)
        fail_codes, retry_codes = set(), set()
        for rule in job["spec"]["podFailurePolicy"]["rules"]:
            target = fail_codes if rule["action"] == "FailJob" else retry_codes
            target.update(rule["onExitCodes"]["values"])
        table = exit_code_table()
        self.assertEqual(fail_codes, {c for c, (_, retry) in table.items() if c and not retry})
        self.assertEqual(retry_codes, {c for c, (_, retry) in table.items() if retry})


    def test_backfill_is_an_indexed_job_over_the_manifest(self):
        job = self.job("txt2pdf-backfill-")
        spec = job["spec"]
        self.assertEqual(spec["completionMode"], "Indexed")  # Kubernetes sets JOB_COMPLETION_INDEX
        self.assertEqual(spec["completions"], int(PLACEHOLDERS["ArraySize"]))
        container = self.check_pod(spec["template"]["spec"])
        env = {e["name"]: e["value"] for e in container["env"]}
        self.assertEqual(env["MANIFEST_URI"], PLACEHOLDERS["ManifestUri"])
        self.assertTrue(env["REPORT_URI"].startswith("s3://"))
        self.assertNotIn("OBJECT_KEY", env)  # the manifest names the objects
        self.assertEqual(spec["podFailurePolicy"], self.job("txt2pdf-job-")["spec"]["podFailurePolicy"])


class DeployScript(unittest.TestCase):
    def test_backfill_dry_run_submits_a_valid_array_job(self):
        import shlex
        args = ["--dry-run", "--region", "eu-west-1", "--job-queue", PLACEHOLDERS["JobQueueArn"],
                "--manifest", PLACEHOLDERS["ManifestUri"], "--report", PLACEHOLDERS["ReportUri"],
                "--array-size", "40", "--image", PLACEHOLDERS["ImageUri"], "--job-role", PLACEHOLDERS["JobRoleArn"],
                "--execution-role", PLACEHOLDERS["ExecutionRoleArn"], "--log-group", "/txt2pdf/job",
                "--dest-bucket", PLACEHOLDERS["OutputBucket"]]
        done = subprocess.run([str(ROOT / "scripts" / "deploy"), "backfill", *args],
                              capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(done.returncode, 0, done.stderr)
        commands = [shlex.split(line[2:]) for line in done.stdout.splitlines() if line.startswith("+ aws batch")]
        self.assertEqual([c[2] for c in commands], ["register-job-definition", "submit-job"])
        register = commands[0]
        definition = json.loads(register[register.index("--cli-input-json") + 1])
        validate_request("batch", "RegisterJobDefinition", definition)
        submit = commands[1]
        option = lambda name: submit[submit.index(name) + 1]
        overrides = json.loads(option("--container-overrides"))
        params = {"jobName": option("--job-name"), "jobQueue": option("--job-queue"),
                  "jobDefinition": option("--job-definition"),
                  "arrayProperties": {"size": int(option("--array-properties").split("=")[1])},
                  "containerOverrides": overrides}
        validate_request("batch", "SubmitJob", params)
        self.assertEqual(params["jobDefinition"], definition["jobDefinitionName"])
        env = {e["name"]: e["value"] for e in overrides["environment"]}
        self.assertEqual(env["MANIFEST_URI"], PLACEHOLDERS["ManifestUri"])
        # More children than Batch allows is refused before anything is called.
        too_many = [a if a != "40" else "10001" for a in args]
        refused = subprocess.run([str(ROOT / "scripts" / "deploy"), "backfill", *too_many],
                                 capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(refused.returncode, 64)

    def test_dry_run_prints_every_command_and_calls_nothing(self):
        with tempfile.TemporaryDirectory() as fake_bin:
            marker = Path(fake_bin) / "called"
            for tool in ("aws", "podman", "docker"):  # any call would leave a mark
                path = Path(fake_bin) / tool
                path.write_text(f"#!/bin/sh\necho {tool} \"$@\" >> {marker}\nexit 1\n")
                path.chmod(0o755)
            env = dict(os.environ, PATH=f"{fake_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}")
            done = subprocess.run([str(ROOT / "scripts" / "deploy"), "--dry-run", "--region", "eu-west-1",
                                   "--vpc", "vpc-0123", "--subnets", "subnet-a,subnet-b"],
                                  env=env, capture_output=True, text=True, timeout=60, check=False)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertFalse(marker.exists(), marker.read_text() if marker.exists() else "")
        lines = done.stdout.splitlines()
        for expected in ("aws ecr create-repository", "scripts/image build", "podman push",
                         "aws cloudformation deploy"):
            self.assertTrue(any(expected in line for line in lines), f"no '{expected}' in {lines}")
        deploy = next(line for line in lines if "cloudformation deploy" in line)
        self.assertIn("deploy/aws/cloudformation.yaml", deploy)
        self.assertIn("VpcId=vpc-0123", deploy)

    def test_render_fills_placeholders_and_refuses_leftovers(self):
        script = str(ROOT / "scripts" / "deploy")
        template = str(K8S_DIR / "job-template.yaml")
        values = [f"{k}={PLACEHOLDERS[k]}" for k in
                  ("Namespace", "ImageUri", "Region", "SourceBucket", "ObjectKey", "OutputBucket")]
        done = subprocess.run([script, "render", template, *values], capture_output=True, text=True, check=False)
        self.assertEqual(done.returncode, 0, done.stderr)
        job = yaml.safe_load(done.stdout)
        env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
        self.assertEqual(env["OBJECT_KEY"], PLACEHOLDERS["ObjectKey"])
        partial = subprocess.run([script, "render", template, values[0]], capture_output=True, text=True, check=False)
        self.assertEqual(partial.returncode, 64)
        self.assertIn("${ObjectKey}", partial.stderr)


if __name__ == "__main__":
    unittest.main()
