"""The import pipeline and the status API wired over one set of in-memory fakes, as wiring.py wires them over
the adapters: upload a file, split it, deliver its batches, and look at every store in between.

    pipeline = FakePipeline.build(batch_size=3)
    upload_id = pipeline.upload("people.csv", csv_bytes(rows))
    pipeline.split(upload_id)                 # "split", "duplicate", "unreadable", ...
    pipeline.deliver(pipeline.receive())      # BatchImporter.process, batch by batch
    pipeline.record(upload_id)["status"]      # "completed"
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from easycrm.adapters.file_store import CONFIRMATION, review_key
from easycrm.importing.batch_message import BatchMessage
from easycrm.importing.header_advice import HeaderAdvisor
from easycrm.importing.importer import BatchImporter
from easycrm.importing.splitter import UploadSplitter
from easycrm.importing.value_advice import ValueAdvisor
from easycrm.models import ADMINS_GROUP, Caller
from easycrm.settings import Settings
from easycrm.undo.messages import UndoMessage
from easycrm.undo.request import UndoRequests
from easycrm.undo.worker import ImportUndoer
from easycrm.uploads.accounting import UploadAccounting
from easycrm.uploads.review import MappingReview
from easycrm.uploads.service import UploadStatusService
from easycrm.uploads.start import PRESIGNED_POST_SECONDS, start_upload
from easycrm.uploads.states import COUNTERS
from easycrm.uploads.sweeper import StallBounds, UploadSweeper

from tests.support.fakes import (
    FakeBatchQueue,
    FakeClock,
    FakeFiles,
    FakeLanguageModel,
    FakeLeadStore,
    FakeLedger,
    FakeSavedMappings,
    FakeUploadRecords,
    FakeValueCache,
)

OWNER = Caller(sub="owner-1", email="owner@example.com", groups=frozenset())
STRANGER = Caller(sub="stranger-1", email="stranger@example.com", groups=frozenset())
ADMIN = Caller(sub="admin-1", email="admin@example.com", groups=frozenset({ADMINS_GROUP}))


def csv_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def emails(count: int, *, first: int = 1, header: str = "Email") -> list[list[str]]:
    """A header and `count` rows of distinct valid emails."""
    return [[header]] + [[f"person{number}@example.com"] for number in range(first, first + count)]


def assert_accounted(record: dict) -> None:
    """Every row is in exactly one counter, for the upload and for each of its worksheets."""
    assert record["rows"] == sum(record[counter] for counter in COUNTERS), record
    for name, sheet in (record.get("worksheets") or {}).items():
        assert sheet["rows"] == sum(sheet[counter] for counter in COUNTERS), (name, sheet)


@dataclass
class FakePipeline:
    settings: Settings
    clock: FakeClock
    statuses: FakeUploadRecords
    ledger: FakeLedger
    files: FakeFiles
    queue: FakeBatchQueue
    leads: FakeLeadStore
    saved_mappings: FakeSavedMappings
    llm: FakeLanguageModel | None
    value_cache: FakeValueCache
    accounting: UploadAccounting
    importer: BatchImporter
    status: UploadStatusService
    review: MappingReview
    undo_queue: FakeBatchQueue
    undo_requests: UndoRequests
    undoer: ImportUndoer

    @classmethod
    def build(cls, *, batch_size: int = 3, llm: FakeLanguageModel | None = None, **settings: object) -> FakePipeline:
        current = replace(Settings(), batch_size=batch_size, **settings)
        clock = FakeClock()
        statuses, ledger, files = FakeUploadRecords(clock), FakeLedger(clock), FakeFiles()
        leads = FakeLeadStore(clock=clock)
        accounting = UploadAccounting(statuses, ledger, files)
        saved_mappings = FakeSavedMappings()
        value_cache = FakeValueCache()
        undo_queue = FakeBatchQueue()
        return cls(
            settings=current,
            clock=clock,
            statuses=statuses,
            ledger=ledger,
            files=files,
            queue=FakeBatchQueue(),
            leads=leads,
            saved_mappings=saved_mappings,
            llm=llm,
            value_cache=value_cache,
            accounting=accounting,
            importer=BatchImporter(current, leads, accounting, value_cache if llm is not None else None),
            status=UploadStatusService(statuses, files, accounting, current.undo_window_days, clock=clock),
            review=MappingReview(statuses, files, saved_mappings),
            undo_queue=undo_queue,
            undo_requests=UndoRequests(statuses, undo_queue, current.undo_window_days, clock=clock),
            undoer=ImportUndoer(statuses, leads, files, undo_queue),
        )

    def splitter(self) -> UploadSplitter:
        """As wiring builds it: with the model's advice on headers and values when there is a model."""
        if self.llm is None:
            return UploadSplitter(
                self.settings, self.statuses, self.files, self.queue, self.accounting, self.saved_mappings
            )
        return UploadSplitter(
            self.settings,
            self.statuses,
            self.files,
            self.queue,
            self.accounting,
            self.saved_mappings,
            header_advisor=HeaderAdvisor(self.llm, self.saved_mappings),
            value_advisor=ValueAdvisor(self.llm, self.value_cache, self.settings.llm_concurrency),
        )

    def sweeper(self) -> UploadSweeper:
        return UploadSweeper(
            self.statuses, self.accounting, self.queue, self.bounds(), self.undo_requests, clock=self.clock
        )

    def bounds(self) -> StallBounds:
        return StallBounds.from_settings(self.settings, PRESIGNED_POST_SECONDS)

    # the steps of an upload ---------------------------------------------------------------------
    def start(self, file_name: str, size: int = 100, owner: Caller = OWNER, review: bool = False) -> str:
        """POST /uploads: the record, `uploading`, and a presigned POST that nobody uses yet."""
        request = {"fileName": file_name, "fileSize": size, "contentType": "", "review": review}
        started = start_upload(request, owner, settings=self.settings, statuses=self.statuses, files=self.files)
        return started["uploadId"]

    def upload(self, file_name: str, content: bytes, owner: Caller = OWNER, review: bool = False) -> str:
        """Start an upload and put its file where the presigned POST would have (still `uploading`)."""
        upload_id = self.start(file_name, max(len(content), 1), owner, review)
        self.files.put(self.key(upload_id), content)
        return upload_id

    def key(self, upload_id: str) -> str:
        return self.statuses.items[upload_id]["objectKey"]

    def split(self, upload_id: str) -> str:
        """The S3 event for the upload's object, handled by a fresh splitter (one per file, as in wiring)."""
        return self.splitter().split(self.key(upload_id))

    def split_confirmed(self, upload_id: str) -> str:
        """The S3 event for the upload's confirmed mapping (stored by MappingReview.confirm)."""
        return self.splitter().split(review_key(upload_id, CONFIRMATION))

    def receive(self) -> list[BatchMessage]:
        """Every queued batch, read as the importer reads a message (bodies kept in S3 fetched), by index."""
        messages = [self.importer.read_message(body) for body in self.queue.receive()]
        return sorted(messages, key=lambda message: (message.upload_id, message.batch_index))

    def deliver(self, messages: Iterable[BatchMessage]) -> None:
        for message in messages:
            self.importer.process(message)

    def run(self, file_name: str, content: bytes, owner: Caller = OWNER) -> dict:
        """Upload, split and import a file whole; its record at the end."""
        upload_id = self.upload(file_name, content, owner)
        self.split(upload_id)
        self.deliver(self.receive())
        return self.record(upload_id)

    def work_undo_queue(self) -> list[UndoMessage]:
        """Handle every undo message until the queue is empty (the batches a plan sends included)."""
        handled = []
        while bodies := self.undo_queue.receive():
            for body in bodies:
                message = UndoMessage.from_body(body)
                self.undoer.handle(message)
                handled.append(message)
        return handled

    def undo(self, upload_id: str, caller: Caller = OWNER) -> dict:
        """POST /uploads/{uploadId}/undo, then the undo queue worked to the end; the record then."""
        self.undo_requests.request(caller, upload_id)
        self.work_undo_queue()
        return self.record(upload_id)

    def record(self, upload_id: str) -> dict:
        record = self.statuses.get(upload_id)
        assert record is not None, upload_id
        return record

    def report(self, upload_id: str) -> list[dict[str, str]]:
        """The rows of the upload's rejected-rows report."""
        return self.files.report_rows(self.record(upload_id)["rejectsKey"])
