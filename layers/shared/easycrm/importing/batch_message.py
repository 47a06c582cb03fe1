"""The SQS message that carries one batch of spreadsheet rows from the splitter to the caller."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from easycrm.importing.columns import HEADER_CHARS

MESSAGE_VERSION = 1
MAX_CELL_CHARS = 10_000  # Excel allows 32,767; longer cells are cut before they travel
MAX_HEADER_CHARS = HEADER_CHARS
MAX_ROW_BYTES = 64_000  # JSON-encoded
MAX_BATCH_ROW_BYTES = 160_000  # rows of one message, leaving room for headers and mapping under 250 KB
OVERSIZED_ROW_REASON = "Row is larger than 64 KB and was not processed"

Row = tuple[int, list[str] | None]


class InvalidBatchMessage(ValueError):
    pass


@dataclass(frozen=True)
class BatchMessage:
    upload_id: str
    batch_index: int
    file_name: str
    worksheet: str | None
    headers: list[str]
    mapping: dict[str, list[int]]
    rows: list[Row]  # (row number, cells); None cells = oversized row
    dropped: list[int] = field(default_factory=list)  # columns the user chose not to import

    @property
    def message_id(self) -> str:
        return f"b{self.batch_index}"

    def to_body(self) -> dict:
        return {
            "v": MESSAGE_VERSION,
            "uploadId": self.upload_id,
            "batchIndex": self.batch_index,
            "fileName": self.file_name,
            "worksheet": self.worksheet,
            "headers": self.headers,
            "mapping": self.mapping,
            "rows": [[number, cells] for number, cells in self.rows],
            **({"dropped": self.dropped} if self.dropped else {}),
        }

    @staticmethod
    def pointer(upload_id: str, batch_index: int, body_key: str) -> dict:
        """The message for a batch whose body waits in S3 (too large for SQS)."""
        return {"v": MESSAGE_VERSION, "uploadId": upload_id, "batchIndex": batch_index, "bodyKey": body_key}

    @staticmethod
    def stored_body_key(body: object) -> str | None:
        """The S3 key of the batch's body when the message is a pointer, else None."""
        if isinstance(body, dict) and "bodyKey" in body:
            key = body["bodyKey"]
            if not isinstance(key, str) or not key.startswith(f"batches/{body.get('uploadId')}/"):
                raise InvalidBatchMessage("malformed batch message: bodyKey must name the upload's own batch")
            return key
        return None

    @classmethod
    def from_body(cls, body: object) -> BatchMessage:
        try:
            if not isinstance(body, dict) or not isinstance(body["mapping"], dict):
                raise InvalidBatchMessage("a batch message and its mapping must be JSON objects")
            if not isinstance(body["uploadId"], str) or not isinstance(body["headers"], list):
                raise InvalidBatchMessage("uploadId must be text and headers a list")
            if body["v"] != MESSAGE_VERSION:
                raise InvalidBatchMessage(f"unsupported message version {body['v']!r}")
            return cls(
                upload_id=str(body["uploadId"]),
                batch_index=int(body["batchIndex"]),
                file_name=str(body["fileName"]),
                worksheet=body.get("worksheet"),
                headers=[str(header) for header in body["headers"]],
                mapping={str(name): [int(i) for i in columns] for name, columns in body["mapping"].items()},
                rows=[
                    (int(number), None if cells is None else [str(c) for c in cells]) for number, cells in body["rows"]
                ],
                dropped=[int(index) for index in body.get("dropped", [])],
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidBatchMessage(f"malformed batch message: {error}") from error


def encoded_size(cells: list[str] | None) -> int:
    """Bytes the cells take in the JSON message body."""
    return len(json.dumps(cells, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def trim_cells(cells: list[str]) -> list[str] | None:
    """Cut over-long cells; None when the row is still too large to send."""
    trimmed = [cell[:MAX_CELL_CHARS] for cell in cells]
    return None if encoded_size(trimmed) > MAX_ROW_BYTES else trimmed


def trim_headers(headers: list[str]) -> list[str]:
    return [header[:MAX_HEADER_CHARS] for header in headers]


def chunk_rows(rows: Iterable[Row], max_rows: int, max_bytes: int = MAX_BATCH_ROW_BYTES) -> Iterator[list[Row]]:
    """Group rows into batches of at most `max_rows` rows and `max_bytes` of encoded cells."""
    batch: list[Row] = []
    batch_bytes = 0
    for row in rows:
        row_bytes = encoded_size(row[1]) + 16  # the row number and brackets
        if batch and (len(batch) == max_rows or batch_bytes + row_bytes > max_bytes):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(row)
        batch_bytes += row_bytes
    if batch:
        yield batch
