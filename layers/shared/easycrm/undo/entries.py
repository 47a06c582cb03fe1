"""The undo entry an import leaves on every lead it touches, written by the same write that merges the row.

A lead item's `undo` map holds one entry per upload that touched it:

- `t`: when the upload first touched the lead; `s`: the lead's version just before that (orders entries).
- `c`: true when the upload created the lead.
- `b`: the value each field had before the upload first changed it (None: the field was absent).
- `k`: the fields the upload supplied with the value they already had (it asserts them, changed nothing).
- `u`: the lead's `updatedAt` before the upload first touched it.

Once the upload is undone its entry shrinks to a marker, `{t, s, x}` with `x` the lead's outcome, so a
redelivered undo batch counts the lead as the first delivery did. Entries older than the undo window are
dropped by the next write of the lead.
"""

from __future__ import annotations

from collections.abc import Mapping

UNDO_ATTRIBUTE = "undo"
OUTCOME = "x"  # present only on the marker of an undone upload


def is_undone(entry: Mapping) -> bool:
    return OUTCOME in entry


def entry_after_row(before: dict | None, upload_id: str, incoming: dict[str, str], *, now: str) -> dict:
    """The upload's entry once this row is merged: `incoming` are the values the row writes, `before` the
    item as read (None: the row creates the lead)."""
    entries = (before or {}).get(UNDO_ATTRIBUTE) or {}
    entry = entries.get(upload_id)
    if entry is None or is_undone(entry):
        entry = {"t": now, "s": int((before or {}).get("version", 0))}
        if before is None:
            entry["c"] = True
        elif before.get("updatedAt"):
            entry["u"] = before["updatedAt"]
    changed = dict(entry.get("b") or {})
    asserted = set(entry.get("k") or ())
    for name, value in incoming.items():
        current = before.get(name) if before is not None else None
        if current != value:
            if name not in changed:
                changed[name] = current
                asserted.discard(name)
        elif name not in changed:
            asserted.add(name)
    updated = {key: value for key, value in entry.items() if key not in ("b", "k")}
    if changed:
        updated["b"] = changed
    if asserted:
        updated["k"] = sorted(asserted)
    return updated


def expired_entries(entries: Mapping[str, Mapping], keep_since: str) -> list[str]:
    """Uploads whose entries are past the undo window (first touched before `keep_since`)."""
    return [upload_id for upload_id, entry in entries.items() if str(entry.get("t", "")) < keep_since]
