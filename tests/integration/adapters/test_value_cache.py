"""ValueCacheRepository against the embedded DynamoDB, on the table template.yaml defines."""

from __future__ import annotations

import uuid

from easycrm.adapters.value_cache import ValueCacheRepository


def test_answers_round_trip_past_one_batch_get_and_a_process_remembers_what_it_read(stack, wiring):
    table = wiring.settings().value_cache_table
    cache = ValueCacheRepository(table)
    run = uuid.uuid4().hex[:8]
    answers = {f"company#firm {run} {number}": f"Firm {run} {number}" for number in range(250)}
    cache.put_many(answers)
    missing = f"title#never asked {run}"
    assert cache.get_many([*answers, missing]) == answers  # three BatchGetItem requests; the miss is absent

    first = f"company#firm {run} 0"
    stack.client("dynamodb").delete_item(TableName=table, Key={"valueKey": {"S": first}})
    assert cache.get_many([first]) == {first: answers[first]}  # remembered by this process
    assert ValueCacheRepository(table).get_many([first]) == {}  # a fresh process reads the table
