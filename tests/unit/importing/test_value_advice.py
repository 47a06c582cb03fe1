"""Distinct values to the model, once: collection, batching, per-value checks, the cache, and failures."""

from __future__ import annotations

import pytest
from easycrm.errors import LlmBalanceExhausted, LlmUnavailable
from easycrm.importing.value_advice import (
    VALUES_PER_CALL,
    DistinctValues,
    ValueAdvisor,
    cache_key,
    improved_values,
)

from tests.support.fakes import FakeLanguageModel, FakeValueCache


def tidy(document: dict) -> dict:
    """A careful model: title case for every value, Technology for every industry."""
    if document["field"] == "industry":
        return {"values": ["Technology"] * len(document["values"])}
    return {"values": [value.title() for value in document["values"]]}


def leads(count: int, *, companies: int = 3) -> list[dict[str, str]]:
    return [
        {"email": f"p{n}@x.test", "company": f"acme {n % companies}", "title": "vp of sales", "source": "web"}
        for n in range(count)
    ]


def test_a_value_is_asked_once_whatever_rows_hold_it_and_every_row_gets_the_answer():
    distinct = DistinctValues()
    rows = [*leads(1000, companies=3), {"company": "ACME  0"}]  # the same company, cased and spaced otherwise
    for lead in rows:
        distinct.add(lead)
    assert len(distinct) == 3 + 1 + 1
    model, cache = FakeLanguageModel([tidy, tidy, tidy]), FakeValueCache()
    report = ValueAdvisor(model, cache).resolve(distinct)
    assert (report.calls, report.asked, report.improved) == (3, 5, 5)  # one call per field
    assert sorted(len(request["values"]) for request in model.requests) == [1, 1, 3]
    improved = improved_values(cache, rows)
    assert improved[0]["company"] == "Acme 0" and improved[-1]["company"] == "Acme 0"
    assert {lead["title"] for lead in improved[:-1]} == {"Vp Of Sales"}


def test_a_second_import_of_the_same_values_makes_no_call():
    cache = FakeValueCache()
    distinct = DistinctValues()
    for lead in leads(10):
        distinct.add(lead)
    ValueAdvisor(FakeLanguageModel([tidy, tidy, tidy]), cache).resolve(distinct)
    again = FakeLanguageModel()
    assert ValueAdvisor(again, cache).resolve(distinct).calls == 0
    assert again.requests == []


def test_values_go_in_batches_of_values_per_call():
    distinct = DistinctValues()
    for number in range(VALUES_PER_CALL * 2 + 1):
        distinct.add({"company": f"firm {number}"})
    model = FakeLanguageModel([tidy] * 3)
    assert ValueAdvisor(model, FakeValueCache(), concurrency=3).resolve(distinct).calls == 3
    assert sorted(len(request["values"]) for request in model.requests) == [1, VALUES_PER_CALL, VALUES_PER_CALL]
    assert all(system == model.systems[0] for system in model.systems)


@pytest.mark.parametrize(
    ("field", "rule", "answer", "kept"),
    [
        ("company", "acme inc", "Acme Inc.", "Acme Inc."),
        ("company", "acme inc", "Globex Corp", "acme inc"),  # renamed: refused
        ("title", "vp sales", "VP Sales", "VP Sales"),
        ("title", "vp sales", "call +1 415 555 0100", "vp sales"),  # a phone number: refused
        ("title", "vp sales", "boss@evil.test", "vp sales"),  # an address: refused
        ("industry", "software", "Technology", "Technology"),
        ("industry", "software", "Software & Stuff", "software"),  # not in the fixed list: refused
        ("source", "web", 42, "web"),  # not text: refused
    ],
)
def test_every_answer_is_checked_against_the_rule_value_and_a_refusal_is_cached_as_the_rule_value(
    field, rule, answer, kept
):
    distinct = DistinctValues()
    distinct.add({field: rule})
    cache = FakeValueCache()
    ValueAdvisor(FakeLanguageModel([{"values": [answer]}]), cache).resolve(distinct)
    assert cache.items == {cache_key(field, rule): kept}


def test_a_failed_call_caches_nothing_and_balance_exhaustion_is_reported():
    distinct = DistinctValues()
    distinct.add({"company": "acme", "title": "cto"})
    cache = FakeValueCache()
    model = FakeLanguageModel([LlmUnavailable("down"), LlmBalanceExhausted("Insufficient balance")])
    report = ValueAdvisor(model, cache, concurrency=1).resolve(distinct)
    assert (report.calls, report.failed_calls, cache.items) == (2, 2, {})
    assert report.stopped == "Insufficient balance"
    assert improved_values(cache, [{"company": "acme"}]) == [{"company": "acme"}]  # the rule value stands


def test_after_a_402_no_further_call_is_made_for_the_upload():
    distinct = DistinctValues()
    for value in range(VALUES_PER_CALL * 3):
        distinct.add({"company": f"firm {value}"})
    model = FakeLanguageModel([LlmBalanceExhausted("Insufficient balance"), tidy, tidy])
    report = ValueAdvisor(model, FakeValueCache(), concurrency=1).resolve(distinct)
    assert (report.calls, len(model.requests), report.stopped) == (1, 1, "Insufficient balance")


def test_an_answer_of_the_wrong_length_is_a_failed_call():
    distinct = DistinctValues()
    for value in ("a", "b"):
        distinct.add({"company": value})
    cache = FakeValueCache()
    report = ValueAdvisor(FakeLanguageModel([{"values": ["A"]}]), cache).resolve(distinct)
    assert (report.failed_calls, cache.items) == (1, {})


def test_only_names_the_rules_cannot_split_go_to_the_model_and_only_word_boundary_splits_are_kept():
    from easycrm.importing.standardize import ambiguous_name

    rows = [{"name": "Mary Ann Smith"}, {"name": "jane doe"}, {"name": "Jan van der Berg"}, {"name": "DOE, JANE"}]
    distinct = DistinctValues()
    for row in rows:
        if name := ambiguous_name(row):
            distinct.add_name(name)
    assert list(distinct.values["name"].values()) == ["Mary Ann Smith"]

    distinct.add_name("Ana Paula Souza Lima")
    model = FakeLanguageModel([{"values": [["Mary Ann", "Smith"], ["Ana", "Paula Souza Lima X"]]}])
    cache = FakeValueCache()
    report = ValueAdvisor(model, cache).resolve(distinct)
    assert (report.calls, report.improved) == (1, 1)
    assert "untrusted data" in model.systems[0] and "first name" in model.systems[0]
    leads = [
        {"name": "Mary Ann Smith", "firstName": "Mary", "lastName": "Ann Smith"},
        {"name": "Ana Paula Souza Lima", "firstName": "Ana Paula Souza", "lastName": "Lima"},
    ]
    assert [(lead["firstName"], lead["lastName"]) for lead in improved_values(cache, leads)] == [
        ("Mary Ann", "Smith"),  # the model's split
        ("Ana Paula Souza", "Lima"),  # its answer added a word: refused, the rules' split stands
    ]
