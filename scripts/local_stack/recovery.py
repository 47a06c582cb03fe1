"""What a restart does with the uploads the last run left unfinished.

Locally the queues live in memory (moto) while the upload records and files are on disk, so the batches
of an upload in flight are gone when the server stops. At the next start, before anything else runs:
- a file that was stored but not yet read (`uploaded`, or `uploading` whose S3 event was lost) is read
  again from its stored copy: S3 notifies the splitter as if it had just arrived (for a reviewed upload
  whose mapping was confirmed, the confirmation is notified again);
- an upload waiting for its review (`needs_review`) keeps waiting;
- an upload whose batches were queued (`processing`) is closed as failed, keeping what its batches
  imported: every row is accounted, the rows no batch reached count as failed;
- an upload whose file never arrived is closed as failed with nothing imported;
- an undo in progress (`undoing`) is resumed: its plan is sent again, and finishes it.
In AWS none of this is needed: queues keep their messages, and the sweeper closes (or resumes) what
stalls.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from botocore.exceptions import ClientError

log = logging.getLogger("easycrm.local")

RESTARTED_BY = "easycrm:local-restart"
STOPPED_WHILE_IMPORTING = "The local server stopped while this file was being imported; rows already imported are kept."
STOPPED_BEFORE_ARRIVAL = "The local server stopped before this file arrived; nothing was imported."


def settle_interrupted_uploads(stack) -> dict[str, str]:
    """{uploadId: "resumed" or the final status it was closed with}, for every upload left open."""
    from easycrm import wiring
    from easycrm.adapters.file_store import CONFIRMATION, review_key
    from easycrm.uploads.states import UploadState, is_final

    statuses, files = wiring.statuses(), wiring.files()
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    outcomes: dict[str, str] = {}
    for candidate in statuses.open_uploads(updated_before=now):
        record = statuses.get(candidate["uploadId"])
        if record is not None and record["status"] == UploadState.UNDOING:
            if wiring.undo_requests().resume(record):
                outcomes[record["uploadId"]] = "undo resumed"
            continue
        if record is None or is_final(record["status"]):
            continue
        if record["status"] == UploadState.NEEDS_REVIEW:
            continue
        unread = record.get("totalBatches") is None and not record.get("cancelRequested")
        if unread and record["status"] != UploadState.PROCESSING and _stored(files, record["objectKey"]):
            confirmed = record.get("mappingConfirmed")
            stack.redeliver_s3_event(
                files.bucket, review_key(record["uploadId"], CONFIRMATION) if confirmed else record["objectKey"]
            )
            outcomes[record["uploadId"]] = "resumed"
            continue
        why = STOPPED_BEFORE_ARRIVAL if record["status"] == UploadState.UPLOADING else STOPPED_WHILE_IMPORTING
        closed = wiring.accounting().close(record, closed_by=RESTARTED_BY, why=why, ends_as=UploadState.FAILED)
        if closed is not None:
            outcomes[record["uploadId"]] = closed["status"]
    if outcomes:
        log.warning("Uploads the last run left unfinished: %s", outcomes)
    return outcomes


def _stored(files, key: str) -> bool:
    try:
        files.size_of(key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True
