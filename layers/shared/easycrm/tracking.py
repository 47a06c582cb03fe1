"""Exactly-once upload accounting and the atomic detection of the last batch."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from easycrm.files import FileStore
from easycrm.observability import logger, metrics
from easycrm.repositories.status import StatusRepository
from easycrm.status import BatchOutcome, UploadState, final_state


class UploadTracker:
    def __init__(self, statuses: StatusRepository, files: FileStore):
        self.statuses = statuses
        self.files = files

    def account_batch(self, upload_id: str, batch_index: int, outcome: BatchOutcome) -> bool:
        """Count a batch once; False when an earlier delivery already counted it."""
        if outcome.rejects:
            self.files.write_reject_part(upload_id, batch_index, outcome.rejects)
        record = self.statuses.account_batch(upload_id, batch_index, outcome)
        if record is None:
            logger.info("Batch already accounted", extra={"uploadId": upload_id, "batchIndex": batch_index})
            return False
        for counter, count in outcome.counts().items():
            metrics.add_metric(name=f"Rows{counter.capitalize()}", unit=MetricUnit.Count, value=count)
        self.finish_if_complete(record)
        return True

    def finish_if_complete(self, record: dict) -> None:
        """Whoever observes the last batch closes the upload; the conditional write lets one win."""
        total = record.get("totalBatches")
        if total is None or record.get("completedBatches", 0) < total:
            return
        if record.get("status") not in (UploadState.PROCESSING, UploadState.UPLOADED):
            return
        rejects_key = self.files.assemble_rejects_report(record["uploadId"]) if record.get("rejected") else None
        state = final_state(record)
        if self.statuses.finalize(record["uploadId"], state, rejects_key):
            logger.info("Upload finished", extra={"uploadId": record["uploadId"], "status": state.value})
            metrics.add_metric(name="UploadsFinished", unit=MetricUnit.Count, value=1)
