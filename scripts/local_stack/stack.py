"""The embedded stack: the AWS services (services.py), the template's resources in them, and the real
handlers, in this process (`invoke`, the tests) or in worker processes (workers.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import boto3
import requests

from scripts.local_stack.data_dir import DataDirectory
from scripts.local_stack.services import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    ServiceProcess,
    moto_service,
    node_service,
    s3_events,
)
from scripts.local_stack.template import REGION, Template
from scripts.local_stack.workers import LocalFunction, Workers

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
TABLE_READY_SECONDS = 30

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


class LocalStack:
    """`data_dir`: where DynamoDB's and S3's data live across restarts (None: a temporary directory)."""

    def __init__(
        self, parameter_overrides: dict[str, str] | None = None, quiet: bool = True, data_dir: Path | None = None
    ):
        self.template = Template(TEMPLATE_PATH, parameter_overrides)
        self.quiet = quiet
        self.data = DataDirectory(data_dir)
        self.endpoints: dict[str, str] = {}  # service name → URL; moto serves what is not listed
        self.functions: dict[str, LocalFunction] = {}
        self.queues: dict[str, str] = {}  # logical id → URL
        self._services: list[ServiceProcess] = []
        self._workers: Workers | None = None
        self._s3_notifications: Callable[[dict], None] | None = None
        self._environment_before: dict[str, str] | None = None

    # lifecycle ---------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        self._environment_before = dict(os.environ)  # restored by stop(), so stacks never leak into each other
        if self.quiet:
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.data.open()
        try:
            moto = moto_service()
            dynamodb = node_service("dynalite", "dynamodb", self.data.dynamodb)
            s3 = node_service("s3rver", "s3", self.data.s3, on_line=s3_events(self._on_s3_event))
            for service in (moto, dynamodb, s3):
                service.start()
                self._services.append(service)
            self.endpoints = {"moto": moto.endpoint, "dynamodb": dynamodb.endpoint, "s3": s3.endpoint}
            self._point_process_at_services()
            self._create_resources()
            self._load_functions()
        except BaseException:
            self.stop()
            raise
        return self

    def start_workers(self) -> None:
        """The event sources: S3 notifications, SQS mappings and schedules; then the uploads an earlier
        run left unfinished are resumed or closed."""
        from scripts.local_stack.recovery import settle_interrupted_uploads

        self._workers = Workers(self)
        self._workers.start()
        settle_interrupted_uploads(self)

    def stop(self) -> None:
        if self._workers:
            self._workers.stop()
            self._workers = None
        if self._environment_before is not None:
            os.environ.clear()
            os.environ.update(self._environment_before)
            self._environment_before = None
        for service in reversed(self._services):
            service.stop()
        self._services = []
        self.data.close()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # wiring ------------------------------------------------------------------------------------
    def endpoint(self, service: str) -> str:
        return self.endpoints.get(service, self.endpoints["moto"])

    def client(self, service: str):
        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint(service),
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def notify_s3(self, notifications: Callable[[dict], None]) -> None:
        """Where the S3 events s3rver reports go from now on (until then, as for a bucket without
        notifications, nowhere)."""
        self._s3_notifications = notifications

    def _on_s3_event(self, event: dict) -> None:
        if self._s3_notifications:
            self._s3_notifications(event)

    def redeliver_s3_event(self, bucket: str, key: str) -> None:
        """Notify the bucket's functions of a stored object again, as s3rver reports a new one."""
        self._on_s3_event(
            {
                "Records": [
                    {
                        "eventVersion": "2.1",
                        "eventSource": "aws:s3",
                        "awsRegion": REGION,
                        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        "eventName": "ObjectCreated:Post",
                        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": {"key": key}},
                    }
                ]
            }
        )

    def _point_process_at_services(self) -> None:
        for name in _AWS_VARIABLES_TO_CLEAR:
            os.environ.pop(name, None)
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.endpoints["moto"],
                "AWS_ENDPOINT_URL_DYNAMODB": self.endpoints["dynamodb"],
                "AWS_ENDPOINT_URL_S3": self.endpoints["s3"],
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
            }
        )
        for path in (REPO_ROOT, REPO_ROOT / "layers" / "shared"):
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))

    def _create_resources(self) -> None:
        template = self.template
        template.assign_physical_ids(self.endpoints["moto"])
        self._create_tables()
        self._create_queues()
        self._create_buckets()
        self._create_cognito()

    def _create_tables(self) -> None:
        """The template's tables; a data directory's existing tables are kept, and get the indexes the
        template has added since they were made."""
        dynamodb = self.client("dynamodb")
        existing = set(dynamodb.list_tables()["TableNames"])
        names = []
        for logical_id, resource in self.template.of_type("AWS::DynamoDB::Table").items():
            properties = self.template.resolve(resource["Properties"])
            name = properties["TableName"]
            indexes = properties.get("GlobalSecondaryIndexes", [])
            names.append(name)
            if name not in existing:
                arguments = {
                    "TableName": name,
                    "AttributeDefinitions": properties["AttributeDefinitions"],
                    "KeySchema": properties["KeySchema"],
                    "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
                }
                if indexes:
                    arguments["GlobalSecondaryIndexes"] = indexes
                dynamodb.create_table(**arguments)
                continue
            table = dynamodb.describe_table(TableName=name)["Table"]
            if table["KeySchema"] != properties["KeySchema"]:
                raise RuntimeError(
                    f"{self.data.path}: table {name} has another key than template.yaml's {logical_id}; "
                    "move the data directory aside to start afresh"
                )
            present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
            for index in indexes:
                if index["IndexName"] not in present:
                    self._wait_until_active(dynamodb, [name])
                    dynamodb.update_table(
                        TableName=name,
                        AttributeDefinitions=properties["AttributeDefinitions"],
                        GlobalSecondaryIndexUpdates=[{"Create": index}],
                    )
        self._wait_until_active(dynamodb, names)

    @staticmethod
    def _wait_until_active(dynamodb, names: list[str]) -> None:
        """Tables (and their indexes) are created asynchronously, in DynamoDB as in dynalite."""
        deadline = time.monotonic() + TABLE_READY_SECONDS
        for name in names:
            while True:
                table = dynamodb.describe_table(TableName=name)["Table"]
                statuses = [table["TableStatus"]] + [
                    index["IndexStatus"] for index in table.get("GlobalSecondaryIndexes", [])
                ]
                if all(status == "ACTIVE" for status in statuses):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"table {name} did not become ACTIVE in {TABLE_READY_SECONDS} s")
                time.sleep(0.05)

    def _create_queues(self) -> None:
        template = self.template
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

    def _create_buckets(self) -> None:
        s3 = self.client("s3")
        existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
        for resource in self.template.of_type("AWS::S3::Bucket").values():
            properties = self.template.resolve(resource["Properties"])
            if properties["BucketName"] not in existing:
                s3.create_bucket(Bucket=properties["BucketName"])
            if "CorsConfiguration" in properties:
                renamed = {"MaxAge": "MaxAgeSeconds", "Id": "ID", "ExposedHeaders": "ExposeHeaders"}
                rules = [
                    {renamed.get(key, key): value for key, value in rule.items()}
                    for rule in properties["CorsConfiguration"]["CorsRules"]
                ]
                s3.put_bucket_cors(Bucket=properties["BucketName"], CORSConfiguration={"CORSRules": rules})

    def _seed_ids(self, name: str) -> None:
        """Make moto's next random ids a function of the data directory and `name`: the user pool, its
        clients and each user get the same ids at every start, so tokens and `sub`s stay valid."""
        digest = hashlib.sha256(f"{self.data.seed}:{name}".encode()).digest()
        seed = int.from_bytes(digest[:6], "big")
        requests.post(f"{self.endpoints['moto']}/moto-api/seed?a={seed}", timeout=10).raise_for_status()

    def _create_cognito(self) -> None:
        """The user pools, app clients and groups; CloudFormation's property names are the API's,
        except the pool's name."""
        template = self.template
        cognito = self.client("cognito-idp")
        for logical_id, resource in template.of_type("AWS::Cognito::UserPool").items():
            properties = template.resolve(resource["Properties"])
            properties["PoolName"] = properties.pop("UserPoolName", logical_id)
            self._seed_ids(logical_id)
            pool = cognito.create_user_pool(**properties)["UserPool"]
            provider = f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
            template.physical[logical_id] = {
                "Ref": pool["Id"],
                "Arn": pool["Arn"],
                "ProviderName": provider,
                "ProviderURL": f"https://{provider}",
            }
        for logical_id, resource in template.of_type("AWS::Cognito::UserPoolClient").items():
            self._seed_ids(logical_id)
            client = cognito.create_user_pool_client(**template.resolve(resource["Properties"]))["UserPoolClient"]
            template.physical[logical_id] = {"Ref": client["ClientId"]}
        for logical_id, resource in template.of_type("AWS::Cognito::UserPoolGroup").items():
            properties = template.resolve(resource["Properties"])
            cognito.create_group(**properties)
            template.physical[logical_id] = {"Ref": properties["GroupName"]}

    def user_pool_id(self) -> str:
        (logical_id,) = self.template.of_type("AWS::Cognito::UserPool")
        return self.template.physical[logical_id]["Ref"]

    def add_user(self, email: str, password: str, groups: tuple[str, ...] = ()) -> dict[str, str]:
        """A user of the pool with the same `sub` at every start of this data directory; returns the
        claims its ID token carries."""
        self._seed_ids(f"user:{email.lower()}")
        return create_user(self.client("cognito-idp"), self.user_pool_id(), email, password, groups)

    def _load_functions(self) -> None:
        specs = self.template.functions(REPO_ROOT)
        environment: dict[str, str] = {}
        for spec in specs:
            for name, value in spec.environment.items():
                if environment.setdefault(name, value) != value:
                    raise ValueError(f"{name} differs between functions; the local stack shares one environment")
            self.functions[spec.logical_id] = LocalFunction(spec)
        for name in ENVIRONMENT_OVERRIDES:
            if os.environ.get(name):
                environment[name] = os.environ[name]
        os.environ.update(environment)
        from easycrm import wiring

        wiring.reset()

    def function(self, name: str) -> LocalFunction:
        """Look a function up by logical id, folder name (`lead_splitter`) or deployed name."""
        for logical_id, function in self.functions.items():
            folder = function.spec.module.split(".")[-2]
            if name in (logical_id, folder, self.template.physical[logical_id]["Ref"]):
                return function
        known = ", ".join(function.spec.module.split(".")[-2] for function in self.functions.values())
        raise KeyError(f"No function {name!r} in template.yaml (known: {known})")


def create_user(cognito, pool_id: str, email: str, password: str, groups: tuple[str, ...] = ()) -> dict[str, str]:
    """A confirmed user with a verified email, created as an administrator creates one; returns the
    claims its ID token carries."""
    user = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )["User"]
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    attributes = {attribute["Name"]: attribute["Value"] for attribute in user["Attributes"]}
    return {"sub": attributes["sub"], "email": email, "cognito:username": user["Username"]}
