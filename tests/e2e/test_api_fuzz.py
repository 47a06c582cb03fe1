"""A bounded schema fuzz of the API as a client reaches it: Schemathesis reads /openapi.json from
`scripts/easycrm serve` and sends generated requests, valid and invalid, with a real Cognito ID token.

Every answer must be documented: no 5xx, no status code the operation does not list, the documented media
type, and a body in the documented schema (the error shape for every error). A request that is valid by
the schema but refused by a business rule (a file name without a spreadsheet extension) passes when its
route documents that 400. Phases: the schema's examples, coverage (boundary values, missing and wrong
parameters, other media types and methods, no token) and fuzzing; about 550 requests, under a minute here.

The run is seeded so a failure replays. `make fuzz` runs a longer one with a new seed
(EASYCRM_FUZZ_SEED, EASYCRM_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis

# Fuzzing cases per operation (the examples and coverage phases add their own, a fixed set).
MAX_EXAMPLES = int(os.environ.get("EASYCRM_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("EASYCRM_FUZZ_SEED", "20261202"))
# The chatbot reads the whole lead table for most questions: a few cases show its answers are documented.
FEWER_EXAMPLES = {"/chatbot": max(5, MAX_EXAMPLES // 5)}
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")


@pytest.fixture(scope="module")
def api_schema(app):
    # A user of its own: the uploads the fuzz starts (never sent) stay out of the demo user's list.
    email, password = f"fuzz-{uuid.uuid4().hex[:8]}@example.com", "Fuzz-Passw0rd"
    app.create_user(email, password)
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": app.headers(email, password),
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "operations": [
                {"include-path": path, "generation": {"max-examples": examples}}
                for path, examples in FEWER_EXAMPLES.items()
            ],
        }
    )
    return schemathesis.openapi.from_url(f"{app.url}/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_answer_is_documented(case):
    case.call_and_validate(timeout=30)
