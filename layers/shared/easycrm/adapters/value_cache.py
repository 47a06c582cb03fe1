"""ValueCache table: the model's checked answer for each (field, folded value), shared by every import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from easycrm.adapters import aws

_BATCH_GET_KEYS = 100  # DynamoDB's BatchGetItem limit
_KEY = "valueKey"
# Answers a process has read, kept for its later batches: a file's values repeat across its batches
# (2,550 companies in 50,000 rows), and an answer never changes once cached. Only answers are kept, not
# misses: a value the model could not answer may be answered by a later import.
MAX_REMEMBERED = 200_000


class ValueCacheRepository:
    def __init__(self, table_name: str):
        self._client = aws.dynamodb_client()  # read per batch of rows: see aws.dynamodb_client
        self._table = aws.dynamodb_table(table_name)
        self._table_name = table_name
        self._remembered: dict[str, str] = {}

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        """The cached answers among `keys` (eventually consistent: an answer cached a moment ago may be
        missed, and the rule value then stands for that row)."""
        keys = set(keys)
        answers = {key: self._remembered[key] for key in keys if key in self._remembered}
        wanted = sorted(keys - answers.keys())
        for start in range(0, len(wanted), _BATCH_GET_KEYS):
            chunk = [{_KEY: {"S": key}} for key in wanted[start : start + _BATCH_GET_KEYS]]
            request = {self._table_name: {"Keys": chunk, "ProjectionExpression": "valueKey, answer"}}
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self._table_name, []):
                    answers[item[_KEY]["S"]] = item["answer"]["S"]
                request = response.get("UnprocessedKeys") or {}
        if len(self._remembered) < MAX_REMEMBERED:
            self._remembered.update(answers)
        return answers

    def put_many(self, answers: Mapping[str, str]) -> None:
        with self._table.batch_writer() as batch:
            for key, answer in answers.items():
                batch.put_item(Item={_KEY: key, "answer": answer})
