import dataclasses

import pytest
from easycrm.settings import DEFAULT_DEEPSEEK_BASE_URL, DEFAULT_DEEPSEEK_MODEL, Settings

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deepseek-AbCdEf"


def test_defaults_from_an_empty_environment():
    settings = Settings.from_env({})
    assert settings.batch_size == 50
    assert settings.max_upload_mb == 25
    assert settings.max_upload_bytes == 25 * 1024 * 1024
    assert settings.default_region == "US"
    assert settings.llm_provider == "rules"
    assert settings.deepseek_base_url == DEFAULT_DEEPSEEK_BASE_URL == "https://api.deepseek.com"
    assert settings.deepseek_model == DEFAULT_DEEPSEEK_MODEL == "deepseek-v4-flash"
    assert settings.deepseek_max_retries == 3
    assert settings.max_receive_count == 3
    assert not settings.llm_enabled
    assert settings == Settings()


def test_every_variable_is_read():
    env = {
        "LEADS_TABLE": "leads-t",
        "PROCESSING_STATUS_TABLE": "status-t",
        "COLUMN_MAPPINGS_TABLE": "mappings-t",
        "VALUE_CACHE_TABLE": "values-t",
        "LLM_CONCURRENCY": "7",
        "UPLOAD_BUCKET": "bucket-b",
        "PROCESSING_QUEUE_URL": "http://localhost/123456789012/q",
        "UNDO_QUEUE_URL": "http://localhost/123456789012/undo",
        "UNDO_WINDOW_DAYS": "7",
        "BATCH_SIZE": "25",
        "MAX_UPLOAD_MB": "5",
        "DEFAULT_REGION": "de",
        "LLM_PROVIDER": " DeepSeek ",
        "DEEPSEEK_API_KEY": "sk-test",
        "DEEPSEEK_API_KEY_SECRET_ARN": SECRET_ARN,
        "DEEPSEEK_BASE_URL": "http://127.0.0.1:8080/v1",
        "DEEPSEEK_MODEL": "deepseek-v4-pro",
        "DEEPSEEK_TIMEOUT_SECONDS": "2.5",
        "DEEPSEEK_MAX_RETRIES": "0",
        "MAX_RECEIVE_COUNT": "5",
        "BATCH_VISIBILITY_TIMEOUT_SECONDS": "60",
        "SPLITTER_TIMEOUT_SECONDS": "120",
        "BATCH_RETENTION_SECONDS": "3600",
        "ALLOWED_ORIGIN": "https://crm.example.com",
    }
    assert dataclasses.asdict(Settings.from_env(env)) == {
        "leads_table": "leads-t",
        "status_table": "status-t",
        "mappings_table": "mappings-t",
        "value_cache_table": "values-t",
        "upload_bucket": "bucket-b",
        "queue_url": "http://localhost/123456789012/q",
        "undo_queue_url": "http://localhost/123456789012/undo",
        "undo_window_days": 7,
        "batch_size": 25,
        "max_upload_mb": 5,
        "default_region": "DE",
        "llm_provider": "deepseek",
        "deepseek_api_key": "sk-test",
        "deepseek_api_key_secret_arn": SECRET_ARN,
        "deepseek_base_url": "http://127.0.0.1:8080/v1",
        "deepseek_model": "deepseek-v4-pro",
        "deepseek_timeout_seconds": 2.5,
        "deepseek_max_retries": 0,
        "llm_concurrency": 7,
        "max_receive_count": 5,
        "batch_visibility_timeout_seconds": 60,
        "splitter_timeout_seconds": 120,
        "batch_retention_seconds": 3600,
        "allowed_origin": "https://crm.example.com",
    }


@pytest.mark.parametrize(
    "env",
    [
        {"BATCH_SIZE": "", "DEFAULT_REGION": "", "DEEPSEEK_MODEL": "", "DEEPSEEK_BASE_URL": "", "LLM_PROVIDER": ""},
        {"BATCH_SIZE": "", "MAX_UPLOAD_MB": "", "DEEPSEEK_TIMEOUT_SECONDS": "", "LLM_PROVIDER": "  "},
    ],
)
def test_empty_values_fall_back_to_the_defaults(env):
    # SAM passes an unset parameter as an empty string
    assert Settings.from_env(env) == Settings()


@pytest.mark.parametrize("provider", ["openai", "deepseek-v4", "none", "llm"])
def test_unknown_llm_provider_is_refused_with_a_clear_message(provider):
    with pytest.raises(ValueError, match=rf"LLM_PROVIDER must be 'rules' or 'deepseek', not '{provider}'"):
        Settings.from_env({"LLM_PROVIDER": provider})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ten", "BATCH_SIZE must be a whole number, not 'ten'"),
        ("2.5", "BATCH_SIZE must be a whole number, not '2.5'"),
        ("0", "BATCH_SIZE must be positive, not 0"),
        ("-3", "BATCH_SIZE must be positive, not -3"),
    ],
)
def test_bad_batch_size_is_refused(raw, message):
    with pytest.raises(ValueError) as caught:
        Settings.from_env({"BATCH_SIZE": raw})
    assert str(caught.value) == message


def test_zero_retries_is_allowed_but_negative_is_not():
    assert Settings.from_env({"DEEPSEEK_MAX_RETRIES": "0"}).deepseek_max_retries == 0
    with pytest.raises(ValueError, match="DEEPSEEK_MAX_RETRIES"):
        Settings.from_env({"DEEPSEEK_MAX_RETRIES": "-1"})
    with pytest.raises(ValueError, match="MAX_UPLOAD_MB"):
        Settings.from_env({"MAX_UPLOAD_MB": "0"})


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({"LLM_PROVIDER": "deepseek", "DEEPSEEK_API_KEY": "sk-test"}, True),
        ({"LLM_PROVIDER": "deepseek", "DEEPSEEK_API_KEY_SECRET_ARN": SECRET_ARN}, True),
        ({"LLM_PROVIDER": "deepseek"}, False),
        ({"LLM_PROVIDER": "deepseek", "DEEPSEEK_API_KEY": "", "DEEPSEEK_API_KEY_SECRET_ARN": ""}, False),
        ({"LLM_PROVIDER": "rules", "DEEPSEEK_API_KEY": "sk-test"}, False),
        ({"DEEPSEEK_API_KEY": "sk-test", "DEEPSEEK_API_KEY_SECRET_ARN": SECRET_ARN}, False),
    ],
)
def test_llm_enabled_needs_the_deepseek_provider_and_a_key(env, enabled):
    assert Settings.from_env(env).llm_enabled is enabled


def test_repr_never_shows_the_api_key():
    settings = Settings.from_env({"LLM_PROVIDER": "deepseek", "DEEPSEEK_API_KEY": "sk-very-secret-1234"})
    for text in (repr(settings), str(settings), f"{settings}", repr([settings])):
        assert "sk-very-secret-1234" not in text
        assert "***" in text
    assert "deepseek" in repr(settings)  # still useful for debugging
    assert "***" not in repr(Settings.from_env({}))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.deepseek.com/", "https://api.deepseek.com"),
        ("http://127.0.0.1:8080/v1//", "http://127.0.0.1:8080/v1"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
    ],
)
def test_base_url_trailing_slashes_are_stripped(raw, expected):
    assert Settings.from_env({"DEEPSEEK_BASE_URL": raw}).deepseek_base_url == expected
