"""The backstop: no upload stays non-final, whatever crashed, timed out or never arrived.

Two ways in. The splitter's asynchronous invocation has an on-failure destination (an SQS queue): when
all its attempts failed (a crash, out of memory, a timeout), the record lands there and the upload it
was reading is closed as failed at once. And a scheduled sweep closes every upload that has not changed
for longer than it could legitimately take:
- `uploading` past the presigned POST's expiry (plus a grace for S3's event): the file never arrived;
- `uploaded` (being read) for longer than the splitter's attempts can last;
- `needs_review` for a day: a review nobody answered ends `cancelled`, nothing imported;
- `processing` for longer than a batch can stay in flight (the queue's visibility timeout times its
  receive count, after which SQS has moved it to the DLQ and its last receive counted it failed), once
  the queue holds no batch at all: a batch waiting behind another upload's thousands has not stalled.
  Past the queue's retention period no batch of it can be waiting any more, and it is closed anyway.
Each close goes through UploadAccounting.close, so every row is accounted.
An undo (`undoing`) that has not moved for longer than its messages can take is not closed but resumed:
its plan is sent again, which finishes it without doing or counting anything twice (easycrm.undo).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit

from easycrm.adapters.file_store import confirmed_upload_id_from_key, upload_id_from_key
from easycrm.observability import logger, metrics
from easycrm.ports import BatchBacklog, UploadRecords
from easycrm.settings import Settings
from easycrm.undo.request import UNDO_MESSAGE_SECONDS, UndoRequests
from easycrm.uploads.accounting import UploadAccounting
from easycrm.uploads.states import UploadState, is_final

SWEEPER = "easycrm:sweeper"
ARRIVAL_GRACE = timedelta(minutes=5)
SPLIT_RETRY_DELAYS = timedelta(minutes=3)  # Lambda retries an async invocation after ~1 and ~2 minutes
SPLIT_ATTEMPTS = 3
STALL_GRACE = timedelta(minutes=5)
REVIEW_WAIT = timedelta(days=1)
REVIEW_EXPIRED = "No one confirmed the columns within a day, so the upload was cancelled; nothing was imported."


@dataclass(frozen=True)
class StallBounds:
    """How long an upload may go without a change, by state, before the sweeper closes it."""

    arrival: timedelta
    reading: timedelta
    processing: timedelta
    retention: timedelta  # how long a batch can wait in the queue at all
    undo: timedelta  # an undo message's deliveries, all of them

    @classmethod
    def from_settings(cls, settings: Settings, presigned_post_seconds: int) -> StallBounds:
        return cls(
            arrival=timedelta(seconds=presigned_post_seconds) + ARRIVAL_GRACE,
            reading=SPLIT_ATTEMPTS * timedelta(seconds=settings.splitter_timeout_seconds) + SPLIT_RETRY_DELAYS,
            processing=settings.max_receive_count * timedelta(seconds=settings.batch_visibility_timeout_seconds)
            + STALL_GRACE,
            retention=timedelta(seconds=settings.batch_retention_seconds) + STALL_GRACE,
            undo=settings.max_receive_count * timedelta(seconds=UNDO_MESSAGE_SECONDS) + STALL_GRACE,
        )

    def for_state(self, state: str) -> tuple[timedelta, str]:
        """The bound for an upload in `state`, and what to tell its owner when it is passed."""
        if state == UploadState.UPLOADING:
            minutes = int(self.arrival.total_seconds() // 60)
            return self.arrival, f"The file never arrived: it was not uploaded within {minutes} minutes."
        if state == UploadState.UPLOADED:
            return self.reading, "Reading this file stopped without finishing; nothing was imported."
        if state == UploadState.NEEDS_REVIEW:
            return REVIEW_WAIT, REVIEW_EXPIRED
        minutes = int(self.processing.total_seconds() // 60)
        return self.processing, f"Processing stopped making progress for {minutes} minutes."


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def split_failure_message(response: dict) -> str:
    """What to tell the user when every attempt of the splitter failed (Lambda's error, in their terms)."""
    error = f"{response.get('errorType', '')} {response.get('errorMessage', '')}".lower()
    if "timed out" in error or "timeout" in error:
        return "Reading this file took longer than allowed; nothing was imported. Split it or save it as CSV."
    if "memory" in error:
        return "Reading this file needed more memory than allowed; nothing was imported. Save it as CSV."
    return "This file could not be read: the reader failed. Nothing was imported; try again or save it as CSV."


class UploadSweeper:
    def __init__(
        self,
        statuses: UploadRecords,
        accounting: UploadAccounting,
        queue: BatchBacklog,
        bounds: StallBounds,
        undo: UndoRequests,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.statuses = statuses
        self.accounting = accounting
        self.queue = queue
        self.bounds = bounds
        self.undo = undo
        self.clock = clock

    def sweep(self) -> dict[str, str]:
        """Close every upload past its bound, and resume every undo past its own; {uploadId: final status}
        of those closed."""
        now = self.clock()
        shortest = min(self.bounds.arrival, self.bounds.reading, self.bounds.processing, self.bounds.undo)
        closed: dict[str, str] = {}
        queue_busy: bool | None = None  # asked once, and only when a processing upload has stalled
        for candidate in self.statuses.open_uploads(updated_before=_iso(now - shortest)):
            record = self.statuses.get(candidate["uploadId"])
            if record is not None and record["status"] == UploadState.UNDOING:
                if _parse_time(record["updatedAt"]) <= now - self.bounds.undo and self.undo.resume(record):
                    logger.warning("Stalled undo resumed", extra={"uploadId": record["uploadId"]})
                    metrics.add_metric(name="StalledUndosResumed", unit=MetricUnit.Count, value=1)
                continue
            if record is None or is_final(record["status"]):
                continue
            bound, why = self.bounds.for_state(record["status"])
            since = _parse_time(record["updatedAt"])
            if since > now - bound:
                continue
            if record["status"] == UploadState.PROCESSING and since > now - self.bounds.retention:
                queue_busy = self.queue.holds_messages() if queue_busy is None else queue_busy
                if queue_busy:
                    continue
            expired = UploadState.CANCELLED if record["status"] == UploadState.NEEDS_REVIEW else None
            result = self.accounting.close(record, closed_by=SWEEPER, why=why, ends_as=expired)
            if result is not None:  # else it changed meanwhile: it is alive, or the next sweep sees it
                logger.warning("Stalled upload closed", extra={"uploadId": record["uploadId"], "why": why})
                closed[record["uploadId"]] = result["status"]
        metrics.add_metric(name="StalledUploadsClosed", unit=MetricUnit.Count, value=len(closed))
        return closed

    def split_failed(self, destination_record: dict) -> dict[str, str]:
        """A record of the splitter's on-failure destination: close the uploads it could not read.

        An upload whose batches were already queued is left to run: its batches are accounted as they
        come, and the sweep closes it if the sending stopped midway.
        """
        payload = destination_record.get("requestPayload") or {}
        why = split_failure_message(destination_record.get("responsePayload") or {})
        closed: dict[str, str] = {}
        for s3_record in payload.get("Records") or []:
            key = unquote_plus(s3_record.get("s3", {}).get("object", {}).get("key", ""))
            upload_id = confirmed_upload_id_from_key(key) or upload_id_from_key(key)
            record = self.statuses.get(upload_id) if upload_id else None
            if (
                upload_id is None
                or record is None
                or is_final(record["status"])
                or record.get("totalBatches") is not None
            ):
                continue
            result = self.statuses.close_unsplit(upload_id, UploadState.FAILED, error=why, forced_by=SWEEPER)
            if result is not None:
                logger.warning("Upload closed after the splitter failed", extra={"uploadId": upload_id})
                closed[upload_id] = result["status"]
        metrics.add_metric(name="FailedSplitsClosed", unit=MetricUnit.Count, value=len(closed))
        return closed
