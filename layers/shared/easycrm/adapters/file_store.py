"""S3 objects Easy CRM reads and writes: uploads, rejected-row reports, presigned links."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

from easycrm.adapters import aws
from easycrm.leads.safe_csv import SafeCsvEncoder

UPLOAD_PREFIX = "uploads/"
REJECT_PARTS_PREFIX = "reports/{upload_id}/parts/"
REJECTS_REPORT_KEY = "reports/{upload_id}/rejected-rows.csv"
REJECT_COLUMNS = ("worksheet", "row", "reason", "values")
UNPROCESSED_PART = "unprocessed"  # sorts after the batches' numbered parts
BATCH_BODY_KEY = "batches/{upload_id}/{batch_index:08d}.json"
# A reviewed upload's proposed mapping, and the mapping its owner confirmed. Writing the confirmation is
# what starts the import: the splitter is notified of `reviews/…/confirmed.json` (template.yaml).
REVIEW_PREFIX = "reviews/"
REVIEW_KEY = "reviews/{upload_id}/{name}.json"
PROPOSAL, CONFIRMATION = "proposal", "confirmed"
# The leads an undo works through, listed once before its first batch is sent (easycrm.undo.worker): a
# redelivered plan sends the same batches again instead of listing leads that are half undone.
UNDO_PLAN_KEY = "undo/{upload_id}/{plan_id}.json"
# Parts fetched at once when a report is assembled: a 50,000-row file leaves ~800 parts, and each GET
# mostly waits on S3 (the client's pool holds 32 connections).
PART_READERS = 16


def upload_key(upload_id: str, file_name: str) -> str:
    return f"{UPLOAD_PREFIX}{upload_id}/{file_name}"


def upload_id_from_key(key: str) -> str | None:
    """`uploads/<uploadId>/<fileName>` → uploadId; None for keys of any other shape."""
    if not key.startswith(UPLOAD_PREFIX):
        return None
    parts = key[len(UPLOAD_PREFIX) :].split("/", 1)
    return parts[0] if len(parts) == 2 and parts[0] and parts[1] else None


def review_key(upload_id: str, name: str) -> str:
    return REVIEW_KEY.format(upload_id=upload_id, name=name)


def confirmed_upload_id_from_key(key: str) -> str | None:
    """`reviews/<uploadId>/confirmed.json` → uploadId; None for keys of any other shape."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] + "/" == REVIEW_PREFIX and parts[1] and parts[2] == f"{CONFIRMATION}.json":
        return parts[1]
    return None


class FileStore:
    def __init__(self, bucket: str):
        self.bucket = bucket
        self._s3 = aws.client("s3")

    def presigned_post(self, key: str, *, max_bytes: int, expires_in: int) -> dict:
        return self._s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )

    def presigned_get(self, key: str, *, expires_in: int = 900, download_name: str | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": key}
        if download_name:
            params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def size_of(self, key: str) -> int:
        return int(self._s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def download(self, key: str, target: BinaryIO) -> None:
        self._s3.download_fileobj(self.bucket, key, target)

    def write_reject_part(self, upload_id: str, part: str, rejects: list[dict]) -> None:
        """One CSV part per batch (or note), overwritten on redelivery, so a report never holds a row twice."""
        key = f"{REJECT_PARTS_PREFIX.format(upload_id=upload_id)}{part}.csv"
        encoder = SafeCsvEncoder(REJECT_COLUMNS)
        body = b"".join(
            encoder.encode([reject.get("worksheet") or "", reject["row"], reject["reason"], reject["values"]])
            for reject in rejects
        )
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def assemble_rejects_report(self, upload_id: str) -> str | None:
        """Join the parts into one report (header + rows, BOM for Excel); None when there are none."""
        prefix = REJECT_PARTS_PREFIX.format(upload_id=upload_id)
        keys: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        if not keys:
            return None
        chunks = ["\ufeff".encode() + SafeCsvEncoder().encode(REJECT_COLUMNS)]
        with ThreadPoolExecutor(max_workers=PART_READERS) as readers:
            chunks.extend(readers.map(self._read, sorted(keys)))  # map keeps the parts in key order
        report_key = REJECTS_REPORT_KEY.format(upload_id=upload_id)
        self._s3.put_object(Bucket=self.bucket, Key=report_key, Body=b"".join(chunks), ContentType="text/csv")
        return report_key

    def _read(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put_batch_body(self, upload_id: str, batch_index: int, body: dict) -> str:
        """A batch too large for an SQS message waits here; the message carries this key instead."""
        key = BATCH_BODY_KEY.format(upload_id=upload_id, batch_index=batch_index)
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="application/json")
        return key

    def get_batch_body(self, key: str) -> dict:
        return json.loads(self._read(key))

    def put_review_document(self, upload_id: str, name: str, document: dict) -> str:
        key = review_key(upload_id, name)
        data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="application/json")
        return key

    def put_undo_plan(self, upload_id: str, plan_id: str, lead_ids: list[str]) -> str:
        key = UNDO_PLAN_KEY.format(upload_id=upload_id, plan_id=plan_id)
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(lead_ids), ContentType="application/json")
        return key

    def get_undo_plan(self, key: str) -> list[str]:
        return json.loads(self._read(key))

    def get_review_document(self, upload_id: str, name: str) -> dict | None:
        try:
            return json.loads(self._read(review_key(upload_id, name)))
        except self._s3.exceptions.NoSuchKey:
            return None
