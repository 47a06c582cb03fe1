"""Read lead spreadsheets the way people really save them: every worksheet, any common CSV dialect.

CSV is streamed (never held whole in memory). Workbooks go through python-calamine, which loads one
worksheet at a time in Rust; rows become Python lists only as they are consumed.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

import python_calamine

from easycrm.columns import find_header_row
from easycrm.csv_reader import csv_rows
from easycrm.errors import UnreadableFile

SUPPORTED_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")
_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
_SCAN_CHUNK_BYTES = 1 << 16

HEADER_SCAN_ROWS = 30
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

Row = tuple[int, list[str]]  # (1-based row number in the sheet, cells as text)


@dataclass
class Sheet:
    """One worksheet (or the CSV file) with data: its header and a lazy stream of non-blank data rows."""

    name: str | None  # worksheet name; None for CSV/TSV
    header_row: int  # 1-based row number of the header row
    headers: list[str]
    rows: Iterator[Row]  # only the non-blank rows after the header


def open_sheets(fileobj: BinaryIO, file_name: str) -> Iterator[Sheet]:
    """Every worksheet of the file that holds data rows, in order; raises UnreadableFile with a user message."""
    extension = PurePath(file_name).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        kind = f"'{extension}' files are" if extension else "A file without an extension is"
        raise UnreadableFile(f"{kind} not supported. Upload one of: {', '.join(SUPPORTED_EXTENSIONS)}.")
    if extension in _TEXT_EXTENSIONS:
        sheet = _sheet_from_rows(None, csv_rows(fileobj, tab_first=extension == ".tsv"))
        if sheet:
            yield sheet
    else:
        yield from _workbook_sheets(fileobj, extension)


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _sheet_from_rows(name: str | None, rows: Iterator[Row]) -> Sheet | None:
    """Find the header among the first non-blank rows; None when no data row follows it."""
    non_blank = (row for row in rows if not _is_blank(row[1]))
    head = list(itertools.islice(non_blank, HEADER_SCAN_ROWS))
    if not head:
        return None
    found = find_header_row([cells for _, cells in head])
    header_index = 0 if found is None else found
    header_number, header_cells = head[header_index]
    data = itertools.chain(head[header_index + 1 :], non_blank)
    first = next(data, None)
    if first is None:
        return None
    return Sheet(
        name=name,
        header_row=header_number,
        headers=[cell.strip() for cell in header_cells],
        rows=itertools.chain([first], data),
    )


# --- Workbooks ------------------------------------------------------------------------------------


def _workbook_sheets(fileobj: BinaryIO, extension: str) -> Iterator[Sheet]:
    kind = "OpenDocument spreadsheet" if extension == ".ods" else "Excel workbook"
    fileobj.seek(0)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(fileobj)
    except python_calamine.CalamineError:
        if _is_encrypted_package(fileobj):
            raise UnreadableFile(
                f"This {kind} is password-protected. Remove the password and upload it again."
            ) from None
        raise UnreadableFile(f"This file is not a valid {kind}.") from None
    with workbook:
        for name in workbook.sheet_names:
            try:
                worksheet = workbook.get_sheet_by_name(name)
            except python_calamine.CalamineError:
                raise UnreadableFile(f"This file is not a valid {kind}: worksheet '{name}' is damaged.") from None
            if worksheet.start is None:  # no cells at all (iter_rows would fail on it)
                continue
            # iter_rows starts at the sheet's first row even when the data starts lower, so
            # enumerate gives the row numbers the user sees.
            rows = (
                (number, [_cell_text(value) for value in values])
                for number, values in enumerate(worksheet.iter_rows(), start=1)
            )
            sheet = _sheet_from_rows(name, rows)
            if sheet:
                yield sheet


def _is_encrypted_package(fileobj: BinaryIO) -> bool:
    """Whether this is a password-protected Office file: an OLE container holding an "EncryptedPackage".

    calamine reports such files only as "Cannot detect file format" when read from a file object.
    """
    fileobj.seek(0)
    if fileobj.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
        return False
    overlap = b""
    while chunk := fileobj.read(_SCAN_CHUNK_BYTES):
        if _ENCRYPTED_PACKAGE in overlap + chunk:
            return True
        overlap = chunk[-len(_ENCRYPTED_PACKAGE) :]
    return False


def _cell_text(value: object) -> str:
    """A cell as the user sees it: 4155550100.0 → "4155550100", dates as ISO text, TRUE/FALSE."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return "" if value is None else str(value)
