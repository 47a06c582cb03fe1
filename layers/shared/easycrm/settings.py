"""Settings read once from the environment into a typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_DEEPSEEK_BASE_URL = "https://api.deepseek.com"
DEFAULT_DEEPSEEK_MODEL = "deepseek-v4-flash"
# How long an import can be undone: each lead keeps what an import changed this long (docs/undo.md).
DEFAULT_UNDO_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Settings:
    leads_table: str = ""
    status_table: str = ""
    mappings_table: str = ""
    value_cache_table: str = ""
    upload_bucket: str = ""
    queue_url: str = ""
    undo_queue_url: str = ""
    undo_window_days: int = DEFAULT_UNDO_WINDOW_DAYS
    batch_size: int = 50
    max_upload_mb: int = 25
    default_region: str = "US"
    llm_provider: str = "rules"
    deepseek_api_key: str = ""
    deepseek_api_key_secret_arn: str = ""
    deepseek_base_url: str = DEFAULT_DEEPSEEK_BASE_URL
    deepseek_model: str = DEFAULT_DEEPSEEK_MODEL
    deepseek_timeout_seconds: float = 25.0
    deepseek_max_retries: int = 3
    llm_concurrency: int = 4
    max_receive_count: int = 3
    batch_visibility_timeout_seconds: int = 720
    splitter_timeout_seconds: int = 900
    batch_retention_seconds: int = 345_600
    allowed_origin: str = "*"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def llm_enabled(self) -> bool:
        return self.llm_provider == "deepseek" and bool(self.deepseek_api_key or self.deepseek_api_key_secret_arn)

    def __repr__(self) -> str:  # never print the key
        shown = {k: v for k, v in self.__dict__.items() if k != "deepseek_api_key"}
        return f"Settings({shown}, deepseek_api_key={'***' if self.deepseek_api_key else ''!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        provider = env.get("LLM_PROVIDER", "rules").strip().lower() or "rules"
        if provider not in ("rules", "deepseek"):
            raise ValueError(f"LLM_PROVIDER must be 'rules' or 'deepseek', not {provider!r}")
        return cls(
            leads_table=env.get("LEADS_TABLE", ""),
            status_table=env.get("PROCESSING_STATUS_TABLE", ""),
            mappings_table=env.get("COLUMN_MAPPINGS_TABLE", ""),
            value_cache_table=env.get("VALUE_CACHE_TABLE", ""),
            llm_concurrency=_positive_int(env, "LLM_CONCURRENCY", 4),
            upload_bucket=env.get("UPLOAD_BUCKET", ""),
            queue_url=env.get("PROCESSING_QUEUE_URL", ""),
            undo_queue_url=env.get("UNDO_QUEUE_URL", ""),
            undo_window_days=_positive_int(env, "UNDO_WINDOW_DAYS", DEFAULT_UNDO_WINDOW_DAYS),
            batch_size=_positive_int(env, "BATCH_SIZE", 50),
            max_upload_mb=_positive_int(env, "MAX_UPLOAD_MB", 25),
            default_region=(env.get("DEFAULT_REGION") or "US").upper(),
            llm_provider=provider,
            deepseek_api_key=env.get("DEEPSEEK_API_KEY", ""),
            deepseek_api_key_secret_arn=env.get("DEEPSEEK_API_KEY_SECRET_ARN", ""),
            deepseek_base_url=(env.get("DEEPSEEK_BASE_URL") or DEFAULT_DEEPSEEK_BASE_URL).rstrip("/"),
            deepseek_model=env.get("DEEPSEEK_MODEL") or DEFAULT_DEEPSEEK_MODEL,
            deepseek_timeout_seconds=_positive_seconds(env, "DEEPSEEK_TIMEOUT_SECONDS", 25.0),
            deepseek_max_retries=_positive_int(env, "DEEPSEEK_MAX_RETRIES", 3, allow_zero=True),
            max_receive_count=_positive_int(env, "MAX_RECEIVE_COUNT", 3),
            batch_visibility_timeout_seconds=_positive_int(env, "BATCH_VISIBILITY_TIMEOUT_SECONDS", 720),
            splitter_timeout_seconds=_positive_int(env, "SPLITTER_TIMEOUT_SECONDS", 900),
            batch_retention_seconds=_positive_int(env, "BATCH_RETENTION_SECONDS", 345_600),
            allowed_origin=env.get("ALLOWED_ORIGIN") or "*",
        )


def _positive_int(env: Mapping[str, str], name: str, default: int, allow_zero: bool = False) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be positive, not {value}")
    return value


def _positive_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value < float("inf"):
        raise ValueError(f"{name} must be a positive number of seconds, not {raw!r}")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests and the local stack call `get_settings.cache_clear()`."""
    return Settings.from_env()
