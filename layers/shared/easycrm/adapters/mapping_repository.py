"""ColumnMappings table: the team's confirmed mapping per header signature, remembered for the next file."""

from __future__ import annotations

import json

from easycrm.adapters import aws
from easycrm.adapters.dynamodb_items import utc_now_iso


class MappingRepository:
    def __init__(self, table_name: str):
        self._table = aws.dynamodb_table(table_name)

    def get(self, signature: str) -> dict[int, str | None] | None:
        item = self._table.get_item(Key={"signature": signature}).get("Item")
        if item is None:
            return None
        return {int(index): field for index, field in json.loads(str(item["columns"])).items()}

    def save(self, signature: str, headers: list[str], columns: dict[int, str | None], saved_by: str) -> None:
        # The columns travel as JSON text: a map keyed by column number, with null for "not imported",
        # which a DynamoDB map cannot hold as compactly.
        self._table.put_item(
            Item={
                "signature": signature,
                "headers": headers,
                "columns": json.dumps({str(index): field for index, field in sorted(columns.items())}),
                "savedBy": saved_by,
                "savedAt": utc_now_iso(),
            }
        )
