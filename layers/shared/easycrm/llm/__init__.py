"""The DeepSeek client and the LLM improvement of lead presentation fields."""

from easycrm.llm.client import (
    DeepSeekClient,
    LlmAuthError,
    LlmBalanceExhausted,
    LlmError,
    LlmRequestRejected,
    LlmUnavailable,
)
from easycrm.llm.enrichment import INDUSTRIES, EnrichmentReport, improve_leads

__all__ = [
    "INDUSTRIES",
    "DeepSeekClient",
    "EnrichmentReport",
    "LlmAuthError",
    "LlmBalanceExhausted",
    "LlmError",
    "LlmRequestRejected",
    "LlmUnavailable",
    "improve_leads",
]
