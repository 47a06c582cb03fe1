"""The undo queue's work: list the leads an upload touched, then undo them batch by batch, each batch
counted exactly once on the upload, and the upload `undone` when the last one is counted."""

from __future__ import annotations

import uuid
from collections import Counter

from aws_lambda_powertools.metrics import MetricUnit

from easycrm.observability import logger, metrics
from easycrm.ports import BatchSender, Files, UndoableLeads, UploadRecords
from easycrm.undo.messages import BATCH, PLAN, UndoMessage
from easycrm.undo.revert import LeadOutcome
from easycrm.uploads.states import UploadState

LEADS_PER_BATCH = 100  # one BatchGetItem reads them all


class ImportUndoer:
    def __init__(self, statuses: UploadRecords, leads: UndoableLeads, files: Files, queue: BatchSender):
        self.statuses = statuses
        self.leads = leads
        self.files = files
        self.queue = queue

    def handle(self, message: UndoMessage) -> None:
        if message.kind == PLAN:
            self.plan(message.upload_id)
        else:
            self.undo_batch(message)

    def plan(self, upload_id: str) -> None:
        """List the leads once (the list is kept in S3 before the count of batches is recorded), then send
        the batches. A redelivery sends the recorded list's batches again; the upload counts each once."""
        record = self.statuses.get(upload_id)
        if record is None or record.get("status") != UploadState.UNDOING:
            logger.info("Undo plan for an upload that is not undoing dropped", extra={"uploadId": upload_id})
            return
        if "undoBatches" in record:
            lead_ids = self.files.get_undo_plan(record["undoPlanKey"])
        else:
            lead_ids = self.leads.leads_of_upload(upload_id)
            key = self.files.put_undo_plan(upload_id, uuid.uuid4().hex, lead_ids)
            batches = -(-len(lead_ids) // LEADS_PER_BATCH)
            if self.statuses.plan_undo(upload_id, batches=batches, plan_key=key) is None:
                record = self.statuses.get(upload_id) or {}
                if record.get("status") != UploadState.UNDOING:
                    return
                lead_ids = self.files.get_undo_plan(record["undoPlanKey"])  # another delivery planned first
        if not lead_ids:
            self.statuses.finish_undo(upload_id)
            return
        for index, start in enumerate(range(0, len(lead_ids), LEADS_PER_BATCH)):
            batch = UndoMessage(BATCH, upload_id, index, lead_ids[start : start + LEADS_PER_BATCH])
            self.queue.add(batch.message_id, batch.to_text())
        self.queue.flush()
        logger.info("Undo planned", extra={"uploadId": upload_id, "leads": len(lead_ids)})

    def undo_batch(self, message: UndoMessage) -> None:
        record = self.statuses.get_processing_state(message.upload_id)
        if record is None or record.get("status") != UploadState.UNDOING:
            logger.info("Undo batch for an upload that is not undoing dropped", extra={"uploadId": message.upload_id})
            return
        outcomes = Counter(self.leads.revert_upload(message.upload_id, message.lead_ids))
        outcomes.pop(LeadOutcome.UNTOUCHED, None)
        self._account(message, {str(outcome): count for outcome, count in outcomes.items()})

    def account_as_failed(self, message: UndoMessage) -> None:
        """A batch out of retries: its leads count as failed, so the undo still ends."""
        if message.kind == PLAN:
            self.statuses.withdraw_undo(
                message.upload_id, "The import's leads could not be listed; nothing was undone."
            )
        else:
            self._account(message, {"failed": len(message.lead_ids)})

    def _account(self, message: UndoMessage, counts: dict[str, int]) -> None:
        record = self.statuses.add_undo_batch(message.upload_id, message.batch_index, counts)
        if record is None:
            logger.info("Undo batch already counted", extra={"uploadId": message.upload_id})
            return
        for counter, count in counts.items():
            metrics.add_metric(name=f"UndoLeads{counter.capitalize()}", unit=MetricUnit.Count, value=count)
        if record.get("undoCompletedBatches") == record.get("undoBatches"):
            self.statuses.finish_undo(message.upload_id)
            logger.info("Upload undone", extra={"uploadId": message.upload_id, **record.get("undo", {})})
