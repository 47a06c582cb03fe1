"""What one row does to a lead item, and what undoing an import does to it, worked out in memory.

Every write of a lead is computed from the item as it was read and applied by one UpdateItem (or
DeleteItem) on the condition that the item's `version` is still the one read: a concurrent writer makes
the condition fail, and the write is worked out again from the item as it is then. Because the write is
computed from what was there, the same write records what it changed (`easycrm.undo.entries`), which is
what lets an import be undone.

`LeadRepository` turns a LeadWrite into DynamoDB expressions; the tests' in-memory store applies it to a
dict. Neither decides anything of its own.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from easycrm.importing.dedup import SourceRef, lead_id_for
from easycrm.leads.queries import key_value, list_key, sort_value
from easycrm.models import LEAD_FIELDS, PHONE_UNPARSEABLE
from easycrm.undo.entries import UNDO_ATTRIBUTE, entry_after_row, expired_entries

# A lead lists at most this many contributing rows in `sources` (~35 KB); later rows still merge their
# values and are counted in `sourcesOmitted`.
MAX_SOURCES = 500
# Index attributes that follow a field: a blank sort value keeps a lead without the field in the list.
SORTED_BY = {"nameKey": "name", "companyKey": "company"}
FILTERED_BY = {"industryKey": "industry", "sourceKey": "source"}  # absent when the lead has no value

Path = tuple[str, ...]


@dataclass
class LeadWrite:
    """One conditional write of a lead item.

    `expected_version` is the version the write was computed from: None means the item must not exist,
    0 an item written before items had versions. Paths are attribute names, or ("undo", uploadId) for one
    entry of the undo map.
    """

    lead_id: str
    expected_version: int | None
    sets: dict[Path, Any] = field(default_factory=dict)
    removes: list[Path] = field(default_factory=list)
    adds: dict[str, set[str]] = field(default_factory=dict)  # string sets that grow
    deletes: dict[str, set[str]] = field(default_factory=dict)  # string sets that shrink
    delete_item: bool = False

    def applied_to(self, item: dict | None) -> dict | None:
        """The item as this write leaves it (None once deleted), as DynamoDB applies the expressions: the
        repository keeps it for the next row of the same lead instead of asking for it back."""
        if self.delete_item:
            return None
        stored = copy.deepcopy(item) if item is not None else {"leadId": self.lead_id}
        for path, value in self.sets.items():
            *parents, name = path
            reduce(lambda inner, key: inner[key], parents, stored)[name] = copy.deepcopy(value)
        for path in self.removes:
            *parents, name = path
            reduce(lambda inner, key: inner[key], parents, stored).pop(name, None)
        for name, values in self.adds.items():
            stored[name] = set(stored.get(name, set())) | values
        for name, values in self.deletes.items():
            remaining = set(stored.get(name, set())) - values
            if remaining:
                stored[name] = remaining
            else:  # DynamoDB has no empty sets
                stored.pop(name, None)
        return stored


@dataclass(frozen=True)
class MergePlan:
    write: LeadWrite
    created: bool  # this row created the lead (a redelivery of the creating row too)
    inserted: bool  # this write inserts the item


def version_of(item: dict | None) -> int | None:
    return None if item is None else int(item.get("version", 0))


def plan_merge(
    before: dict | None, key: str, lead: dict[str, str], source: SourceRef, *, now: str, keep_since: str
) -> MergePlan:
    """The write that merges one row into the lead for `key`, given the item as read (None: no lead yet).

    Non-empty incoming values overwrite, missing ones never erase, an unparseable phone never replaces a
    number, and `sources` only grows (up to MAX_SOURCES, then `sourcesOmitted` counts). The undo entry of
    the row's upload records the value each field had before the upload first changed it; entries older
    than `keep_since` are dropped on the way.
    """
    lead_id = lead_id_for(key)
    token = source.token()
    incoming = {name: value for name in LEAD_FIELDS if (value := lead.get(name))}
    if before is not None and incoming.get("phone") == PHONE_UNPARSEABLE and before.get("phone"):
        del incoming["phone"]
    version = version_of(before)
    write = LeadWrite(lead_id, version)
    write.sets[("updatedAt",)] = now
    write.sets[("version",)] = (version or 0) + 1
    for name, value in incoming.items():
        if before is None or before.get(name) != value:
            write.sets[(name,)] = value
    merged = {**(before or {}), **incoming}
    write.sets.update(_index_sets(merged, before))
    if before is None:
        write.sets[("createdAt",)] = now
        write.sets[("listKey",)] = list_key(lead_id)
        write.sets[("emailKey",)] = sort_value(incoming.get("email"))  # the email is the dedup key: fixed
        write.sets[("origin",)] = origin_of(source, key)
    if before is not None and len(before.get("sources", ())) >= MAX_SOURCES and token not in before["sources"]:
        # The same person on every row of a huge file: merge the values, only count the row, so the item
        # stays far below DynamoDB's 400 KB.
        write.sets[("sourcesOmitted",)] = int(before.get("sourcesOmitted", 0)) + 1
    else:
        write.adds["sources"] = {token}
    write.adds["uploadIds"] = {source.upload_id}
    entries = (before or {}).get(UNDO_ATTRIBUTE) or {}
    entry = entry_after_row(before, source.upload_id, incoming, now=now)
    if entry != entries.get(source.upload_id):
        write.sets[(UNDO_ATTRIBUTE, source.upload_id) if entries else (UNDO_ATTRIBUTE,)] = (
            entry if entries else {source.upload_id: entry}
        )
    expired = [upload_id for upload_id in expired_entries(entries, keep_since) if upload_id != source.upload_id]
    write.removes.extend((UNDO_ATTRIBUTE, upload_id) for upload_id in expired)  # never the path set above
    created = before is None or before.get("origin", {}).get("createdBy") == token
    return MergePlan(write, created=created, inserted=before is None)


def origin_of(source: SourceRef, key: str) -> dict:
    """The provenance of the row that created the lead, written once as one map."""
    return {
        "createdBy": source.token(),
        "dedupKey": key,
        "uploadId": source.upload_id,
        "sourceFile": source.file_name,
        "sourceRow": source.row,
        "_worksheet": source.worksheet or "",
    }


def index_changes(fields: dict, before: dict | None) -> tuple[dict[Path, Any], list[Path]]:
    """The index attributes for a lead whose fields are `fields`, as sets and removes against `before`."""
    sets = _index_sets(fields, before)
    removes: list[Path] = [
        (attribute,)
        for attribute, name in FILTERED_BY.items()
        if not key_value(fields.get(name)) and before is not None and attribute in before
    ]
    return sets, removes


def _index_sets(fields: dict, before: dict | None) -> dict[Path, Any]:
    sets: dict[Path, Any] = {}
    for attribute, name in SORTED_BY.items():
        value = sort_value(fields.get(name))
        if before is None or before.get(attribute) != value:
            sets[(attribute,)] = value
    for attribute, name in FILTERED_BY.items():
        folded = key_value(fields.get(name))
        if folded and (before is None or before.get(attribute) != folded):
            sets[(attribute,)] = folded
    return sets
