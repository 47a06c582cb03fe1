"""The local stack's reading of template.yaml: tags, parameters, intrinsic functions, functions."""

from pathlib import Path

import pytest
from easycrm.adapters.file_store import CONFIRMATION, REVIEW_PREFIX, UPLOAD_PREFIX
from easycrm.settings import Settings
from easycrm.undo.request import UNDO_MESSAGE_SECONDS

from scripts.local_stack.template import ACCOUNT_ID, REGION, STACK_NAME, Template

REPO_ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = REPO_ROOT / "template.yaml"
ENDPOINT = "http://127.0.0.1:5000"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deepseek-AbCdEf"

# What every function reads (docs/architecture.md "Settings"), less DEEPSEEK_API_KEY / DEEPSEEK_BASE_URL (a
# secret or a local override, never in the template).
EVERY_FUNCTION_READS = {
    "LEADS_TABLE",
    "PROCESSING_STATUS_TABLE",
    "COLUMN_MAPPINGS_TABLE",
    "VALUE_CACHE_TABLE",
    "LLM_CONCURRENCY",
    "UPLOAD_BUCKET",
    "PROCESSING_QUEUE_URL",
    "UNDO_QUEUE_URL",
    "UNDO_WINDOW_DAYS",
    "BATCH_SIZE",
    "MAX_UPLOAD_MB",
    "DEFAULT_REGION",
    "LLM_PROVIDER",
    "DEEPSEEK_MODEL",
    "LOG_LEVEL",
    "POWERTOOLS_SERVICE_NAME",
}


def with_physical_ids(template: Template) -> Template:
    template.assign_physical_ids(ENDPOINT)
    return template


@pytest.fixture
def template() -> Template:
    return with_physical_ids(Template(TEMPLATE))


def inline(tmp_path: Path, text: str, **overrides) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return Template(path, overrides or None)


# short-form tags ---------------------------------------------------------------------------------


def test_short_form_tags_become_long_form(tmp_path):
    template = inline(
        tmp_path,
        """
Parameters:
  P: {Type: String, Default: p}
Conditions:
  C: !Equals [!Ref P, p]
Resources:
  R:
    Type: X
    Properties:
      Ref: !Ref P
      Sub: !Sub "a-${P}"
      SubList: !Sub ["a-${V}", {V: !Ref P}]
      GetAtt: !GetAtt Q.Arn
      GetAttList: !GetAtt [Q, Arn]
      If: !If [C, yes-value, !Ref AWS::NoValue]
""",
    )
    assert template.body["Conditions"] == {"C": {"Fn::Equals": [{"Ref": "P"}, "p"]}}
    assert template.resources["R"]["Properties"] == {
        "Ref": {"Ref": "P"},
        "Sub": {"Fn::Sub": "a-${P}"},
        "SubList": {"Fn::Sub": ["a-${V}", {"V": {"Ref": "P"}}]},
        "GetAtt": {"Fn::GetAtt": ["Q", "Arn"]},
        "GetAttList": {"Fn::GetAtt": ["Q", "Arn"]},
        "If": {"Fn::If": ["C", "yes-value", {"Ref": "AWS::NoValue"}]},
    }


def test_the_real_template_loads_with_its_tags():
    template = Template(TEMPLATE)
    queue = template.resources["LeadProcessingQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["LeadProcessingDLQ", "Arn"]}
    assert "Fn::Sub" in template.resources["UploadBucket"]["Properties"]["BucketName"]
    assert "Fn::If" in template.resources["DeepSeekCallerFunction"]["Properties"]["Policies"][-1]


# parameters --------------------------------------------------------------------------------------


def test_parameter_defaults_are_strings():
    parameters = Template(TEMPLATE).parameters
    assert parameters["Environment"] == "dev"
    assert parameters["BatchSize"] == "50"
    assert parameters["DeepSeekApiKeySecretArn"] == ""
    assert parameters["LlmProvider"] == "rules"


def test_parameter_overrides_replace_defaults_and_reach_resource_names():
    template = with_physical_ids(Template(TEMPLATE, {"Environment": "prod", "BatchVisibilityTimeoutSeconds": "5"}))
    assert template.parameters["BatchVisibilityTimeoutSeconds"] == "5"
    assert template.parameters["BatchSize"] == "50"
    assert template.physical["LeadsTable"]["Ref"] == "easycrm-prod-leads"
    assert template.resolve(template.resources["LeadProcessingQueue"]["Properties"]["VisibilityTimeout"]) == "5"


def test_unknown_parameter_override_is_refused():
    with pytest.raises(ValueError, match="Environmnet"):
        Template(TEMPLATE, {"Environmnet": "prod"})


# resolve -----------------------------------------------------------------------------------------

SMALL = """
Parameters:
  Stage: {Type: String, Default: dev}
  Secret: {Type: String, Default: ""}
Conditions:
  HasSecret: !Not [!Equals [!Ref Secret, ""]]
  Both: !And [{Condition: HasSecret}, !Equals [!Ref Stage, prod]]
Resources:
  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: !Sub "q-${Stage}"}}
"""


def test_ref_resolves_parameters_pseudo_parameters_and_physical_ids(tmp_path):
    template = inline(tmp_path, SMALL, Stage="test")
    template.physical["Queue"] = {"Ref": "http://q/url", "Arn": "arn:q"}
    assert template.resolve({"Ref": "Stage"}) == "test"
    assert template.resolve({"Ref": "AWS::AccountId"}) == ACCOUNT_ID == "123456789012"
    assert template.resolve({"Ref": "AWS::Region"}) == REGION == "us-east-1"
    assert template.resolve({"Ref": "AWS::StackName"}) == STACK_NAME
    assert template.resolve({"Ref": "AWS::Partition"}) == "aws"
    assert template.resolve({"Ref": "AWS::NoValue"}) is None
    assert template.resolve({"Ref": "Queue"}) == "http://q/url"
    assert template.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:q"
    with pytest.raises(KeyError):
        template.resolve({"Ref": "Missing"})


def test_resolve_walks_lists_and_mappings_and_leaves_plain_values(tmp_path):
    template = inline(tmp_path, SMALL)
    value = {"A": [{"Ref": "Stage"}, 3, None], "B": {"C": {"Ref": "AWS::Region"}}, "D": "text"}
    assert template.resolve(value) == {"A": ["dev", 3, None], "B": {"C": "us-east-1"}, "D": "text"}
    assert template.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 1]]}) == "a-dev-1"
    with pytest.raises(NotImplementedError):
        template.resolve({"Fn::Base64": "x"})


def test_sub_replaces_parameters_pseudo_parameters_attributes_and_variables(tmp_path):
    template = inline(tmp_path, SMALL)
    template.physical["Queue"] = {"Ref": "http://q/url", "Arn": "arn:aws:sqs:us-east-1:123456789012:q-dev"}
    assert (
        template.resolve({"Fn::Sub": "x-${Stage}-${AWS::AccountId}-${AWS::Region}"}) == "x-dev-123456789012-us-east-1"
    )
    assert template.resolve({"Fn::Sub": "dlq of ${Queue.Arn}"}) == "dlq of arn:aws:sqs:us-east-1:123456789012:q-dev"
    assert template.resolve({"Fn::Sub": "${Queue}"}) == "http://q/url"
    assert template.resolve({"Fn::Sub": ["${A}/${Stage}", {"A": {"Ref": "AWS::Partition"}}]}) == "aws/dev"
    assert template.resolve({"Fn::Sub": "no variables"}) == "no variables"


def test_sub_unescapes_literal_dollar_braces(tmp_path):
    assert inline(tmp_path, SMALL).resolve({"Fn::Sub": "${!Literal}-${Stage}"}) == "${Literal}-dev"


def test_conditions_follow_the_parameters(tmp_path):
    assert inline(tmp_path, SMALL).condition("HasSecret") is False
    assert inline(tmp_path, SMALL, Secret="arn").condition("HasSecret") is True
    assert inline(tmp_path, SMALL, Secret="arn").condition("Both") is False
    assert inline(tmp_path, SMALL, Secret="arn", Stage="prod").condition("Both") is True


def test_short_form_condition_inside_and(tmp_path):
    template = inline(tmp_path, SMALL.replace("{Condition: HasSecret}", "!Condition HasSecret"), Secret="a")
    assert template.condition("Both") is False


@pytest.mark.parametrize(("secret", "expected"), [("", None), (SECRET_ARN, {"SecretArn": SECRET_ARN})])
def test_if_on_has_deepseek_secret_both_ways(secret, expected):
    template = Template(TEMPLATE, {"DeepSeekApiKeySecretArn": secret})
    assert template.condition("HasDeepSeekSecret") is bool(secret)
    policy = template.resolve(template.resources["DeepSeekCallerFunction"]["Properties"]["Policies"][-1])
    assert (policy and policy["AWSSecretsManagerGetSecretValuePolicy"]) == expected


def test_dead_letter_target_resolves_to_the_dlq_arn(template):
    redrive = template.resolve(template.resources["LeadProcessingQueue"]["Properties"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == template.physical["LeadProcessingDLQ"]["Arn"]
    assert redrive["deadLetterTargetArn"].endswith(":easycrm-dev-lead-processing-dlq")
    assert int(redrive["maxReceiveCount"]) == 3


# functions ---------------------------------------------------------------------------------------


def by_id(template: Template) -> dict:
    return {spec.logical_id: spec for spec in template.functions(REPO_ROOT)}


def test_every_function_is_a_handler_module_under_functions(template):
    specs = by_id(template)
    assert {
        "FileUploadFunction": "functions.file_upload.app",
        "LeadSplitterFunction": "functions.lead_splitter.app",
        "DeepSeekCallerFunction": "functions.deepseek_caller.app",
    }.items() <= {logical_id: spec.module for logical_id, spec in specs.items()}.items()
    for spec in specs.values():
        assert spec.module.startswith("functions.") and spec.module.endswith(".app")
        assert (REPO_ROOT / (spec.module.replace(".", "/") + ".py")).is_file()
    assert {spec.handler for spec in specs.values()} == {"lambda_handler"}


def test_function_settings_merge_globals_with_their_own(template):
    specs = by_id(template)
    assert (specs["FileUploadFunction"].timeout, specs["FileUploadFunction"].memory_mb) == (30, 512)
    assert (specs["LeadSplitterFunction"].timeout, specs["LeadSplitterFunction"].memory_mb) == (900, 2048)
    assert (specs["DeepSeekCallerFunction"].timeout, specs["DeepSeekCallerFunction"].memory_mb) == (120, 512)


def test_functions_refuse_a_missing_handler_file(template, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Function: functions/\w+/app\.py not found"):
        template.functions(tmp_path)


def test_splitter_runs_on_uploaded_files_and_on_confirmed_mappings(template):
    uploaded, confirmed = by_id(template)["LeadSplitterFunction"].events
    for event in (uploaded, confirmed):
        assert event.kind == "S3"
        assert template.resolve(event.properties["Bucket"]) == template.physical["UploadBucket"]["Ref"]
        assert event.properties["Events"] == "s3:ObjectCreated:*"
    rules = {rule["Name"]: rule["Value"] for rule in uploaded.properties["Filter"]["S3Key"]["Rules"]}
    assert rules == {"prefix": UPLOAD_PREFIX}
    rules = {rule["Name"]: rule["Value"] for rule in confirmed.properties["Filter"]["S3Key"]["Rules"]}
    assert rules == {"prefix": REVIEW_PREFIX, "suffix": f"{CONFIRMATION}.json"}


def test_caller_runs_on_the_lead_processing_queue_with_partial_failures(template):
    (event,) = by_id(template)["DeepSeekCallerFunction"].events
    assert event.kind == "SQS"
    assert template.resolve(event.properties["Queue"]) == template.physical["LeadProcessingQueue"]["Arn"]
    assert "ReportBatchItemFailures" in event.properties["FunctionResponseTypes"]
    assert 1 <= int(template.resolve(event.properties["BatchSize"])) <= 10
    assert int(template.resolve(event.properties["ScalingConfig"]["MaximumConcurrency"])) >= 2
    (upload,) = by_id(template)["FileUploadFunction"].events
    assert (upload.kind, upload.properties["Path"], upload.properties["Method"]) == ("Api", "/upload", "POST")


def test_every_function_gets_the_design_environment(template):
    for spec in template.functions(REPO_ROOT):
        environment = spec.environment
        assert set(environment) >= EVERY_FUNCTION_READS, spec.logical_id
        assert "DEEPSEEK_API_KEY" not in environment  # never a plain template value
        assert all(isinstance(value, str) for value in environment.values())
        assert environment["LEADS_TABLE"] == template.physical["LeadsTable"]["Ref"]
        assert environment["PROCESSING_STATUS_TABLE"] == template.physical["ProcessingStatusTable"]["Ref"]
        assert environment["COLUMN_MAPPINGS_TABLE"] == template.physical["ColumnMappingsTable"]["Ref"]
        assert environment["UPLOAD_BUCKET"] == template.physical["UploadBucket"]["Ref"]
        assert environment["PROCESSING_QUEUE_URL"] == template.physical["LeadProcessingQueue"]["Ref"]
        assert environment["UNDO_QUEUE_URL"] == template.physical["UndoQueue"]["Ref"]


def test_the_template_environment_is_valid_settings(template):
    environment = by_id(template)["DeepSeekCallerFunction"].environment
    settings = Settings.from_env(environment)
    assert settings.batch_size == 50
    assert settings.max_upload_mb == 25
    assert settings.llm_provider == "rules"
    assert not settings.llm_enabled
    redrive = template.resources["LeadProcessingQueue"]["Properties"]["RedrivePolicy"]
    assert settings.max_receive_count == int(redrive["maxReceiveCount"])  # "out of retries" must match the DLQ


def test_the_sweeper_bounds_are_the_template_s_own_settings(template):
    """The sweeper may only close what can no longer progress: its bounds come from the real settings."""
    specs = by_id(template)
    settings = Settings.from_env(specs["UploadSweeperFunction"].environment)
    visibility = template.resolve(template.resources["LeadProcessingQueue"]["Properties"]["VisibilityTimeout"])
    assert settings.batch_visibility_timeout_seconds == int(visibility)
    assert settings.splitter_timeout_seconds == specs["LeadSplitterFunction"].timeout
    retention = template.resources["LeadProcessingQueue"]["Properties"]["MessageRetentionPeriod"]
    assert settings.batch_retention_seconds == int(retention)


def test_the_splitter_s_failures_go_to_the_queue_the_sweeper_reads(template):
    specs = by_id(template)
    splitter, sweeper = specs["LeadSplitterFunction"], specs["UploadSweeperFunction"]
    assert (splitter.on_failure_queue, splitter.async_attempts) == ("SplitFailuresQueue", 3)
    sqs_sources = [event.properties["Queue"]["Fn::GetAtt"][0] for event in sweeper.events if event.kind == "SQS"]
    assert sqs_sources == ["SplitFailuresQueue"]
    assert [event.properties["Schedule"] for event in sweeper.events if event.kind == "Schedule"] == ["rate(5 minutes)"]


def test_the_undo_queue_drives_the_undoer_and_its_bounds_are_the_sweeper_s(template):
    """An undo message may run as long as the undoer's Timeout; the sweeper resumes an undo only after
    every delivery of one could have run (UNDO_MESSAGE_SECONDS), and "out of retries" matches the DLQ."""
    specs = by_id(template)
    undoer = specs["ImportUndoerFunction"]
    (event,) = undoer.events
    assert (event.kind, template.resolve(event.properties["Queue"])) == ("SQS", template.physical["UndoQueue"]["Arn"])
    assert "ReportBatchItemFailures" in event.properties["FunctionResponseTypes"]
    queue = template.resources["UndoQueue"]["Properties"]
    assert int(template.resolve(queue["VisibilityTimeout"])) == UNDO_MESSAGE_SECONDS >= undoer.timeout
    settings = Settings.from_env(specs["UploadSweeperFunction"].environment)
    assert settings.max_receive_count == int(queue["RedrivePolicy"]["maxReceiveCount"])
    assert settings.undo_window_days == 30
    for sender in ("StatusReaderFunction", "ImportUndoerFunction", "UploadSweeperFunction"):  # request, batches, resume
        policies = template.resources[sender]["Properties"]["Policies"]
        sends = [policy["SQSSendMessagePolicy"] for policy in policies if "SQSSendMessagePolicy" in policy]
        assert {"QueueName": {"Fn::GetAtt": ["UndoQueue", "QueueName"]}} in sends, sender
    (undo_route,) = [e for e in specs["StatusReaderFunction"].events if e.properties.get("Path", "").endswith("/undo")]
    assert (undo_route.properties["Path"], undo_route.properties["Method"]) == ("/uploads/{uploadId}/undo", "POST")


def test_queue_visibility_timeout_covers_six_caller_timeouts(template):
    timeout = by_id(template)["DeepSeekCallerFunction"].timeout
    visibility = template.resolve(template.resources["LeadProcessingQueue"]["Properties"]["VisibilityTimeout"])
    assert int(visibility) >= 6 * timeout


def test_the_deepseek_parameters_enable_the_llm():
    template = with_physical_ids(Template(TEMPLATE, {"LlmProvider": "deepseek", "DeepSeekApiKeySecretArn": SECRET_ARN}))
    settings = Settings.from_env(by_id(template)["DeepSeekCallerFunction"].environment)
    assert settings.llm_enabled
    assert settings.deepseek_api_key_secret_arn == SECRET_ARN
