"""Reads template.yaml (the single source of truth) and resolves its intrinsic functions locally."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
STACK_NAME = "easycrm-local"


def load_template(text: str, filename: str) -> dict[str, Any]:
    """A template's YAML as cfn-lint reads it: short-form tags (`!Ref`, `!Sub`, `!GetAtt Q.Arn`, ...) in
    their long form ({"Ref": ...}, {"Fn::Sub": ...}, {"Fn::GetAtt": ["Q", "Arn"]}); a key given twice in one
    mapping is an error, not silently the last value."""
    # Imported here, not at the top: the worker processes import this module (for FunctionSpec) but read
    # no template, and cfn-lint takes a second and some 90 MB to import.
    from cfnlint.decode.cfn_yaml import loads

    return _plain(loads(text, filename))


def _plain(value: Any) -> Any:
    """cfn-lint's nodes (dict, list and str subclasses that carry their line numbers) as plain values:
    the template's values reach the worker processes, and pickle cannot name cfn-lint's node classes."""
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


@dataclass
class EventSource:
    kind: str  # "S3", "SQS" or "Schedule"
    properties: dict


@dataclass
class FunctionSpec:
    logical_id: str
    module: str  # e.g. functions.lead_splitter.app
    handler: str
    timeout: int
    memory_mb: int
    environment: dict[str, str]
    events: list[EventSource] = field(default_factory=list)
    on_failure_queue: str | None = None  # logical id of the SQS on-failure destination of async invocations
    async_attempts: int = 3  # the first asynchronous invocation and Lambda's retries


class Template:
    """A parsed template plus the local physical ids of its resources."""

    def __init__(self, path: Path, parameter_overrides: dict[str, str] | None = None):
        self.path = path
        self.body = load_template(path.read_text(), str(path))
        self.resources: dict[str, dict] = self.body["Resources"]
        self.parameters = {name: str(spec.get("Default", "")) for name, spec in self.body.get("Parameters", {}).items()}
        unknown = set(parameter_overrides or {}) - set(self.parameters)
        if unknown:
            raise ValueError(f"Unknown template parameters: {', '.join(sorted(unknown))}")
        self.parameters.update(parameter_overrides or {})
        self.physical: dict[str, dict[str, str]] = {}  # logical id → {"Ref": ..., "Arn": ..., ...}

    def assign_physical_ids(self, sqs_endpoint: str) -> None:
        """The names and ARNs the local resources get, known before any of them is created."""
        for logical_id, resource in self.of_type("AWS::DynamoDB::Table").items():
            name = self.resolve(resource["Properties"]["TableName"])
            self.physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"}
        for logical_id, resource in self.of_type("AWS::SQS::Queue").items():
            name = self.resolve(resource["Properties"]["QueueName"])
            self.physical[logical_id] = {
                "Ref": f"{sqs_endpoint}/{ACCOUNT_ID}/{name}",
                "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
                "QueueName": name,
            }
        for logical_id, resource in self.of_type("AWS::S3::Bucket").items():
            name = self.resolve(resource["Properties"]["BucketName"])
            self.physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}
        for logical_id, resource in self.of_type("AWS::Serverless::Function").items():
            name = self.resolve(resource["Properties"].get("FunctionName", logical_id))
            self.physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"}
        for logical_id in self.of_type("AWS::Serverless::Api"):
            self.physical[logical_id] = {"Ref": uuid.uuid4().hex[:10]}  # a REST API id's shape

    def of_type(self, resource_type: str) -> dict[str, dict]:
        return {name: spec for name, spec in self.resources.items() if spec["Type"] == resource_type}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((key, argument),) = value.items()
        if key == "Ref":
            return self._ref(argument)
        if key == "Fn::GetAtt":
            logical_id, attribute = argument
            return self.physical[logical_id][attribute]
        if key == "Fn::Sub":
            return self._sub(argument)
        if key == "Fn::If":
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        if key == "Fn::Join":
            separator, items = argument
            return separator.join(str(self.resolve(item)) for item in items)
        if key.startswith("Fn::"):
            raise NotImplementedError(f"{key} is not supported by the local stack")
        return {key: self.resolve(argument)}

    def condition(self, name: str) -> bool:
        return bool(self._evaluate(self.body.get("Conditions", {})[name]))

    def _evaluate(self, expression: Any) -> Any:
        ((key, argument),) = expression.items()
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._evaluate(argument[0])
        if key == "Fn::And":
            return all(self._evaluate(item) for item in argument)
        if key == "Fn::Or":
            return any(self._evaluate(item) for item in argument)
        if key == "Condition":
            return self.condition(argument)
        raise NotImplementedError(f"{key} is not supported in local conditions")

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::StackName": STACK_NAME,
            "AWS::Partition": "aws",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical[name]["Ref"]

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        variables = {key: self.resolve(item) for key, item in variables.items()}

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return str(self.physical[logical_id][attribute])
            return str(self._ref(name))

        resolved = re.sub(r"\$\{([^}!][^}]*)\}", replace, text)
        return resolved.replace("${!", "${")  # ${!Literal} is CloudFormation's escape for a literal ${Literal}

    def functions(self, repo_root: Path) -> list[FunctionSpec]:
        globals_ = self.body.get("Globals", {}).get("Function", {})
        specs = []
        for logical_id, resource in self.of_type("AWS::Serverless::Function").items():
            properties = {**globals_, **resource["Properties"]}
            environment = {
                **globals_.get("Environment", {}).get("Variables", {}),
                **resource["Properties"].get("Environment", {}).get("Variables", {}),
            }
            code_dir = Path(properties["CodeUri"]).as_posix().strip("/")
            module_file, handler = properties["Handler"].rsplit(".", 1)
            if not (repo_root / code_dir / f"{module_file}.py").is_file():
                raise FileNotFoundError(f"{logical_id}: {code_dir}/{module_file}.py not found")
            specs.append(
                FunctionSpec(
                    logical_id=logical_id,
                    module=f"{code_dir.replace('/', '.')}.{module_file}",
                    handler=handler,
                    timeout=int(self.resolve(properties.get("Timeout", 3))),
                    memory_mb=int(self.resolve(properties.get("MemorySize", 128))),
                    environment={name: _text(self.resolve(value)) for name, value in environment.items()},
                    events=[
                        EventSource(kind=event["Type"], properties=event.get("Properties", {}))
                        for event in resource["Properties"].get("Events", {}).values()
                    ],
                    **self._async_invocation(properties.get("EventInvokeConfig", {})),
                )
            )
        return specs

    def _async_invocation(self, config: dict) -> dict:
        """What EventInvokeConfig says: how often Lambda tries, and which queue gets what still failed."""
        settings: dict = {"async_attempts": 1 + int(self.resolve(config.get("MaximumRetryAttempts", 2)))}
        on_failure = config.get("DestinationConfig", {}).get("OnFailure", {})
        if on_failure:
            if on_failure.get("Type") != "SQS" or "Fn::GetAtt" not in on_failure.get("Destination", {}):
                raise ValueError("the local stack supports SQS on-failure destinations given as !GetAtt Queue.Arn")
            settings["on_failure_queue"] = on_failure["Destination"]["Fn::GetAtt"][0]
        return settings


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
