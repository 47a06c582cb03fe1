"""The SQS message that carries one batch of spreadsheet rows from the splitter to the caller."""

from __future__ import annotations

from dataclasses import dataclass

MESSAGE_VERSION = 1
MAX_CELL_CHARS = 10_000  # Excel allows 32,767; longer cells are cut before they travel
MAX_ROW_BYTES = 64_000
OVERSIZED_ROW_REASON = "Row is larger than 64 KB and was not processed"


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
    rows: list[tuple[int, list[str] | None]]  # (row number, cells); None cells = oversized row

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
        }

    @classmethod
    def from_body(cls, body: dict) -> BatchMessage:
        try:
            if body["v"] != MESSAGE_VERSION:
                raise InvalidBatchMessage(f"unsupported message version {body['v']!r}")
            return cls(
                upload_id=str(body["uploadId"]),
                batch_index=int(body["batchIndex"]),
                file_name=str(body["fileName"]),
                worksheet=body.get("worksheet"),
                headers=[str(header) for header in body["headers"]],
                mapping={str(field): [int(i) for i in columns] for field, columns in body["mapping"].items()},
                rows=[
                    (int(number), None if cells is None else [str(c) for c in cells]) for number, cells in body["rows"]
                ],
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidBatchMessage(f"malformed batch message: {error}") from error


def trim_cells(cells: list[str]) -> list[str] | None:
    """Cut over-long cells; None when the row is still too large to send."""
    trimmed = [cell[:MAX_CELL_CHARS] for cell in cells]
    if sum(len(cell.encode("utf-8")) for cell in trimmed) > MAX_ROW_BYTES:
        return None
    return trimmed
