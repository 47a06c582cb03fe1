"""The embedded stack: a moto server, the template's resources, and the real handlers in-process."""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from scripts.local_stack.template import ACCOUNT_ID, REGION, FunctionSpec, Template

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"

# Settings a developer may set in the environment to override the template's values locally.
ENVIRONMENT_OVERRIDES = (
    "LLM_PROVIDER",
    "DEEPSEEK_API_KEY",
    "DEEPSEEK_BASE_URL",
    "DEEPSEEK_MODEL",
    "DEFAULT_REGION",
    "BATCH_SIZE",
    "MAX_UPLOAD_MB",
    "LOG_LEVEL",
)
_AWS_VARIABLES_TO_CLEAR = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE")


class MotoServer:
    """moto in a child process, so the services and the handlers each get a core of their own."""

    def __init__(self):
        self._process: subprocess.Popen | None = None
        self.endpoint = ""

    def start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "scripts.local_stack.moto_process"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            process_group=0,  # Ctrl-C reaches only the parent, which stops moto by closing its stdin
        )
        ready = self._process.stdout.readline().strip()
        if not ready.startswith("port "):
            raise RuntimeError("the moto server did not start")
        self.endpoint = f"http://127.0.0.1:{ready.split()[1]}"

    def stop(self) -> None:
        if self._process:
            self._process.stdin.close()  # the child exits when its stdin closes
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None


class LocalContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    def __init__(self, spec: FunctionSpec):
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = spec.memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{spec.logical_id}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = "local"
        self._timeout_ms = spec.timeout * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


@dataclass
class Function:
    spec: FunctionSpec

    def load_handler(self, instance: str | None = None):
        """The handler; a named instance is a separate module copy, like a separate Lambda container."""
        if instance is None:
            module = importlib.import_module(self.spec.module)
        else:
            path = REPO_ROOT / (self.spec.module.replace(".", "/") + ".py")
            module_spec = importlib.util.spec_from_file_location(f"{self.spec.module}__{instance}", path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        return getattr(module, self.spec.handler)

    def invoke(self, event: dict, handler=None) -> Any:
        try:
            return (handler or self.load_handler())(event, LocalContext(self.spec))
        finally:
            _discard_unpublished_metrics()


def _discard_unpublished_metrics() -> None:
    """Lambda flushes a function's metrics at the end of each invocation. Locally they are disabled, and
    Powertools then keeps them, so one process would pile up values until a metric reaches 100 and
    Powertools publishes it in the middle of a batch: drop them after every invocation instead."""
    from easycrm.observability import metrics

    metrics.clear_metrics()


class LocalStack:
    def __init__(self, parameter_overrides: dict[str, str] | None = None, quiet: bool = True):
        self.template = Template(TEMPLATE_PATH, parameter_overrides)
        self.quiet = quiet
        self._server: MotoServer | None = None
        self.endpoint = ""
        self.functions: dict[str, Function] = {}
        self.queues: dict[str, str] = {}  # logical id → URL
        self._workers: list = []
        self.stop_event = threading.Event()
        self._environment_before: dict[str, str] | None = None

    # lifecycle ---------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        self._environment_before = dict(os.environ)  # restored by stop(), so stacks never leak into each other
        if self.quiet:
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = MotoServer()
        self._server.start()
        self.endpoint = self._server.endpoint
        self._point_process_at_moto()
        self._create_resources()
        self._load_functions()
        return self

    def start_workers(self) -> None:
        from scripts.local_stack.workers import build_workers

        self._workers = build_workers(self)
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self.stop_event.set()
        for worker in self._workers:
            worker.join(timeout=30)
        if self._environment_before is not None:
            os.environ.clear()
            os.environ.update(self._environment_before)
            self._environment_before = None
        if self._server:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # wiring ------------------------------------------------------------------------------------
    def client(self, service: str):
        return boto3.session.Session().client(service, endpoint_url=self.endpoint, region_name=REGION)

    def _point_process_at_moto(self) -> None:
        for name in _AWS_VARIABLES_TO_CLEAR:
            os.environ.pop(name, None)
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.endpoint,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
            }
        )
        for path in (REPO_ROOT, REPO_ROOT / "layers" / "shared"):
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))

    def _create_resources(self) -> None:
        template = self.template
        template.assign_physical_ids(self.endpoint)
        dynamodb = self.client("dynamodb")
        for resource in template.of_type("AWS::DynamoDB::Table").values():
            properties = template.resolve(resource["Properties"])
            arguments = {
                "TableName": properties["TableName"],
                "AttributeDefinitions": properties["AttributeDefinitions"],
                "KeySchema": properties["KeySchema"],
                "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
            }
            if properties.get("GlobalSecondaryIndexes"):
                arguments["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
            dynamodb.create_table(**arguments)

        sqs = self.client("sqs")
        queue_resources = template.of_type("AWS::SQS::Queue")
        for logical_id, resource in queue_resources.items():
            properties = resource["Properties"]
            attributes = {
                key: str(template.resolve(properties[key]))
                for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")
                if key in properties
            }
            sqs.create_queue(QueueName=template.physical[logical_id]["QueueName"], Attributes=attributes)
            self.queues[logical_id] = template.physical[logical_id]["Ref"]
        for logical_id, resource in queue_resources.items():
            redrive = resource["Properties"].get("RedrivePolicy")
            if redrive:
                policy = template.resolve(redrive)
                sqs.set_queue_attributes(
                    QueueUrl=self.queues[logical_id],
                    Attributes={
                        "RedrivePolicy": json.dumps(
                            {
                                "deadLetterTargetArn": policy["deadLetterTargetArn"],
                                "maxReceiveCount": str(policy["maxReceiveCount"]),
                            }
                        )
                    },
                )

        s3 = self.client("s3")
        for resource in template.of_type("AWS::S3::Bucket").values():
            properties = template.resolve(resource["Properties"])
            s3.create_bucket(Bucket=properties["BucketName"])
            if "CorsConfiguration" in properties:
                renamed = {"MaxAge": "MaxAgeSeconds", "Id": "ID", "ExposedHeaders": "ExposeHeaders"}
                rules = [
                    {renamed.get(key, key): value for key, value in rule.items()}
                    for rule in properties["CorsConfiguration"]["CorsRules"]
                ]
                s3.put_bucket_cors(Bucket=properties["BucketName"], CORSConfiguration={"CORSRules": rules})

        self._create_cognito()

    def _create_cognito(self) -> None:
        """The user pools, app clients and groups; CloudFormation's property names are the API's,
        except the pool's name."""
        template = self.template
        cognito = self.client("cognito-idp")
        for logical_id, resource in template.of_type("AWS::Cognito::UserPool").items():
            properties = template.resolve(resource["Properties"])
            properties["PoolName"] = properties.pop("UserPoolName", logical_id)
            pool = cognito.create_user_pool(**properties)["UserPool"]
            provider = f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
            template.physical[logical_id] = {
                "Ref": pool["Id"],
                "Arn": pool["Arn"],
                "ProviderName": provider,
                "ProviderURL": f"https://{provider}",
            }
        for logical_id, resource in template.of_type("AWS::Cognito::UserPoolClient").items():
            client = cognito.create_user_pool_client(**template.resolve(resource["Properties"]))["UserPoolClient"]
            template.physical[logical_id] = {"Ref": client["ClientId"]}
        for logical_id, resource in template.of_type("AWS::Cognito::UserPoolGroup").items():
            properties = template.resolve(resource["Properties"])
            cognito.create_group(**properties)
            template.physical[logical_id] = {"Ref": properties["GroupName"]}

    def _load_functions(self) -> None:
        specs = self.template.functions(REPO_ROOT)
        environment: dict[str, str] = {}
        for spec in specs:
            for name, value in spec.environment.items():
                if environment.setdefault(name, value) != value:
                    raise ValueError(f"{name} differs between functions; the local stack shares one environment")
            self.functions[spec.logical_id] = Function(spec)
        for name in ENVIRONMENT_OVERRIDES:
            if os.environ.get(name):
                environment[name] = os.environ[name]
        os.environ.update(environment)
        from easycrm import wiring

        wiring.reset()

    def function(self, name: str) -> Function:
        """Look a function up by logical id, folder name (`lead_splitter`) or deployed name."""
        for logical_id, function in self.functions.items():
            folder = function.spec.module.split(".")[-2]
            if name in (logical_id, folder, self.template.physical[logical_id]["Ref"]):
                return function
        known = ", ".join(function.spec.module.split(".")[-2] for function in self.functions.values())
        raise KeyError(f"No function {name!r} in template.yaml (known: {known})")
