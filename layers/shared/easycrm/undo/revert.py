"""What undoing one upload does to one lead, worked out from the item as read (see easycrm.undo.entries).

- A lead no other upload contributes to is deleted (the upload created it, or every other contributor
  was undone already).
- Otherwise the upload's rows leave `sources` and `uploadIds`, and each field it changed gets its earlier
  value back, unless a later upload changed that field again: then the later value stays (a conflict)
  and that later upload's entry now remembers the earlier value, so undoing it too goes all the way back.
  A field the upload changed and a later upload supplied unchanged keeps its value, handed over to the
  later upload's entry the same way.
- The entry shrinks to a marker holding the outcome, so a redelivered batch counts the lead again alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from easycrm.importing.dedup import SourceRef
from easycrm.leads.writes import LeadWrite, index_changes, origin_of, version_of
from easycrm.models import LEAD_FIELDS
from easycrm.undo.entries import OUTCOME, UNDO_ATTRIBUTE, is_undone


class LeadOutcome(StrEnum):
    DELETED = "deleted"  # the lead is gone
    RESTORED = "restored"  # the lead is as if the upload had never touched it
    CONFLICTS = "conflicts"  # a later upload's value was kept in at least one field
    UNTOUCHED = "untouched"  # the upload never touched this lead (nothing to count)


@dataclass(frozen=True)
class RevertPlan:
    outcome: LeadOutcome
    write: LeadWrite | None  # None: nothing to write (done before, or never touched)


def plan_revert(item: dict | None, upload_id: str, *, lead_id: str, now: str) -> RevertPlan:
    if item is None:  # listed by the plan and gone since: an earlier delivery of this batch deleted it
        return RevertPlan(LeadOutcome.DELETED, None)
    entries = dict(item.get(UNDO_ATTRIBUTE) or {})
    mine = entries.get(upload_id)
    if mine is not None and is_undone(mine):
        return RevertPlan(LeadOutcome(mine[OUTCOME]), None)
    uploads = set(item.get("uploadIds") or ())
    if mine is None and upload_id not in uploads:
        return RevertPlan(LeadOutcome.UNTOUCHED, None)
    write = LeadWrite(lead_id, version_of(item))
    if not uploads - {upload_id}:
        write.delete_item = True
        return RevertPlan(LeadOutcome.DELETED, write)
    mine = mine or {"s": -1}  # no entry: touched before undo was recorded; nothing of it can be restored
    conflict = mine.get("s") == -1
    later = sorted(
        ((other, dict(entry)) for other, entry in entries.items() if other != upload_id and not is_undone(entry)),
        key=lambda pair: int(pair[1]["s"]),
    )
    later = [(other, entry) for other, entry in later if int(entry["s"]) > int(mine["s"])]
    fields = {name: item[name] for name in LEAD_FIELDS if name in item}
    for name, earlier in (mine.get("b") or {}).items():
        changer = next((entry for _, entry in later if name in (entry.get("b") or {})), None)
        supporter = next((entry for _, entry in later if name in (entry.get("k") or ())), None)
        if changer is not None:  # changed again later: that value stays; undoing that upload goes back further
            conflict = True
            changer["b"] = {**changer["b"], name: earlier}
        elif supporter is not None:  # supplied unchanged later: it stays, now as that upload's change
            supporter["b"] = {**(supporter.get("b") or {}), name: earlier}
            supporter["k"] = [kept for kept in supporter["k"] if kept != name]
        elif earlier is None:
            fields.pop(name, None)
        else:
            fields[name] = earlier
    for other, entry in later:
        if entry != entries[other]:
            write.sets[(UNDO_ATTRIBUTE, other)] = {key: value for key, value in entry.items() if value != []}
    outcome = LeadOutcome.CONFLICTS if conflict else LeadOutcome.RESTORED
    marker = {"t": mine.get("t", now), "s": int(mine["s"]), OUTCOME: outcome.value}
    if entries:
        write.sets[(UNDO_ATTRIBUTE, upload_id)] = marker
    else:  # a lead written before undo was recorded has no map to put the marker in
        write.sets[(UNDO_ATTRIBUTE,)] = {upload_id: marker}
    for name in LEAD_FIELDS:
        if name in fields and fields[name] != item.get(name):
            write.sets[(name,)] = fields[name]
        elif name not in fields and name in item:
            write.removes.append((name,))
    index_sets, index_removes = index_changes(fields, item)
    write.sets.update(index_sets)
    write.removes.extend(index_removes)
    tokens = {token for token in item.get("sources") or () if SourceRef.parse(token)["uploadId"] == upload_id}
    if tokens:
        write.deletes["sources"] = tokens
    write.deletes["uploadIds"] = {upload_id}
    if item.get("origin", {}).get("uploadId") == upload_id:
        write.sets[("origin",)] = _next_origin(item, tokens, later)
    write.sets[("version",)] = (version_of(item) or 0) + 1
    write.sets[("updatedAt",)] = mine["u"] if not later and mine.get("u") else now
    return RevertPlan(outcome, write)


def _next_origin(item: dict, removed: set[str], later: list[tuple[str, dict]]) -> dict:
    """The lead was created by the upload being undone: its provenance becomes the earliest remaining row
    (of the first later upload when it is known)."""
    remaining = sorted(set(item.get("sources") or ()) - removed)
    first_upload = later[0][0] if later else None
    chosen = next((token for token in remaining if SourceRef.parse(token)["uploadId"] == first_upload), None)
    chosen = chosen or (remaining[0] if remaining else None)
    if chosen is None:  # only counted rows (sourcesOmitted) remain: keep the key, drop the row
        return {**item["origin"], "createdBy": "", "uploadId": "", "sourceFile": "", "sourceRow": 0}
    row = SourceRef.parse(chosen)
    source = SourceRef(row["uploadId"], row["fileName"], row.get("worksheet"), int(row["row"]))
    return origin_of(source, item["origin"]["dedupKey"])
