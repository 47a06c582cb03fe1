"""GET /export: the filtered leads as one CSV in S3 (`exports/<id>.csv`), streamed, and a download link.

The CSV never sits whole in memory or on disk: rows are encoded into a buffer that goes to S3 as a
multipart-upload part each time it reaches PART_SIZE (S3 wants ≥ 5 MiB for every part but the last);
an export smaller than one part is a single PutObject. So the size of an export is bounded by time
(API Gateway's 29 s), not by Lambda's 6 MB response or its /tmp.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from easycrm.adapters import aws
from easycrm.adapters.file_store import FileStore
from easycrm.adapters.lead_repository import LeadRepository
from easycrm.leads.queries import EXPORT_COLUMNS, LeadQuery, csv_row
from easycrm.leads.safe_csv import SafeCsvEncoder
from easycrm.observability import logger

EXPORT_PREFIX = "exports/"
PART_SIZE = 8 * 1024 * 1024
DOWNLOAD_EXPIRES_SECONDS = 900
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class S3CsvWriter:
    """csv.writer-like: rows in, UTF-8 (with BOM) parts out to one S3 object."""

    def __init__(
        self,
        bucket: str,
        key: str,
        *,
        columns: tuple[str, ...] = (),
        part_size: int = PART_SIZE,
        download_name: str | None = None,
    ):
        self.bucket = bucket
        self.key = key
        self.part_size = part_size
        self._s3 = aws.client("s3")
        self._extra = {"ContentType": CSV_CONTENT_TYPE}
        if download_name:
            self._extra["ContentDisposition"] = f'attachment; filename="{download_name}"'
        self._encoder = SafeCsvEncoder(columns)
        self._buffer = bytearray("\ufeff".encode())
        self._upload_id: str | None = None
        self._parts: list[dict] = []
        self.rows = 0

    def writerow(self, row: list[str]) -> None:
        self._buffer += self._encoder.encode(row)
        self.rows += 1
        if len(self._buffer) >= self.part_size:
            self._send_part()

    def _send_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self._s3.create_multipart_upload(Bucket=self.bucket, Key=self.key, **self._extra)[
                "UploadId"
            ]
        number = len(self._parts) + 1
        response = self._s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=bytes(self._buffer)
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})
        self._buffer.clear()

    def close(self) -> None:
        if self._upload_id is None:
            self._s3.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self._buffer), **self._extra)
            return
        if self._buffer:
            self._send_part()
        self._s3.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
        )

    def abort(self) -> None:
        if self._upload_id is not None:
            try:
                self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)
            except Exception:  # the lifecycle rule removes what is left after a day
                logger.exception("Could not abort the export's multipart upload", extra={"key": self.key})

    def __enter__(self) -> S3CsvWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class LeadExporter:
    def __init__(self, leads: LeadRepository, files: FileStore, *, part_size: int = PART_SIZE):
        self.leads = leads
        self.files = files
        self.part_size = part_size

    def export(self, query: LeadQuery) -> dict:
        """Write every lead matching the query, in its order; `{downloadUrl, rows, expiresIn, fileName}`."""
        key = f"{EXPORT_PREFIX}{uuid.uuid4().hex}.csv"
        file_name = f"easycrm-leads-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
        with S3CsvWriter(
            self.files.bucket, key, columns=EXPORT_COLUMNS, part_size=self.part_size, download_name=file_name
        ) as writer:
            writer.writerow(list(EXPORT_COLUMNS))
            for lead in self.leads.iterate(query):
                writer.writerow(csv_row(lead))
        rows = writer.rows - 1
        logger.info("Leads exported", extra={"key": key, "rows": rows})
        url = self.files.presigned_get(key, expires_in=DOWNLOAD_EXPIRES_SECONDS, download_name=file_name)
        return {"downloadUrl": url, "rows": rows, "expiresIn": DOWNLOAD_EXPIRES_SECONDS, "fileName": file_name}
