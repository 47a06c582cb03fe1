"""Leads table: one item per dedup key, merged with one UpdateItem per row."""

from __future__ import annotations

from collections.abc import Iterator

from easycrm import aws
from easycrm.clock import utc_now_iso
from easycrm.dedup import SourceRef, lead_id_for
from easycrm.models import LEAD_FIELDS, PHONE_UNPARSEABLE
from easycrm.repositories._items import plain


class LeadRepository:
    def __init__(self, table_name: str):
        self._table = aws.dynamodb_table(table_name)

    def merge(self, key: str, lead: dict[str, str], source: SourceRef) -> bool:
        """Create or merge the lead for `key`; True when this row created it.

        Non-empty incoming values overwrite, missing ones never erase, and `sources` only grows.
        A retry of the row that created the lead still reports it as created (via `origin.createdBy`).
        """
        token = source.token()
        origin = {
            "createdBy": token,
            "dedupKey": key,
            "uploadId": source.upload_id,
            "sourceFile": source.file_name,
            "sourceRow": source.row,
            "_worksheet": source.worksheet or "",
        }
        names: dict[str, str] = {}
        values: dict = {":now": utc_now_iso(), ":origin": origin, ":tokens": {token}, ":uploads": {source.upload_id}}
        # The first row's provenance is written once, as one map: every clause costs (moto evaluates each).
        sets = [
            "updatedAt = :now",
            "createdAt = if_not_exists(createdAt, :now)",
            "origin = if_not_exists(origin, :origin)",
        ]
        for position, field in enumerate(LEAD_FIELDS):
            value = lead.get(field)
            if not value:
                continue
            names[f"#f{position}"] = field
            values[f":f{position}"] = value
            if field == "phone" and value == PHONE_UNPARSEABLE:  # never let "N/A" replace a real number
                sets.append(f"#f{position} = if_not_exists(#f{position}, :f{position})")
            else:
                sets.append(f"#f{position} = :f{position}")
        response = self._table.update_item(
            Key={"leadId": lead_id_for(key)},
            UpdateExpression=f"SET {', '.join(sets)} ADD sources :tokens, uploadIds :uploads",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
        )
        previous = response.get("Attributes")
        return previous is None or previous["origin"]["createdBy"] == token

    def get(self, lead_id: str) -> dict | None:
        item = self._table.get_item(Key={"leadId": lead_id}).get("Item")
        return to_lead(item) if item else None

    def scan_all(self) -> Iterator[dict]:
        kwargs: dict = {}
        while True:
            page = self._table.scan(**kwargs)
            for item in page.get("Items", []):
                yield to_lead(item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def to_lead(item: dict) -> dict:
    """The stored item as API clients see it: provenance flattened, `sources` decoded, bookkeeping dropped."""
    origin = plain(item.get("origin", {}))
    lead = plain({key: value for key, value in item.items() if key != "origin"})
    lead.update({name: origin[name] for name in ("uploadId", "sourceFile", "sourceRow") if name in origin})
    if origin.get("_worksheet"):
        lead["_worksheet"] = origin["_worksheet"]
    lead["sources"] = sorted(
        (SourceRef.parse(token) for token in item.get("sources", ())),
        key=lambda source: (source["uploadId"], source.get("worksheet") or "", source["row"]),
    )
    return lead
