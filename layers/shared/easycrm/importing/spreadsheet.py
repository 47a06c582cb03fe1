"""Read lead spreadsheets the way people really save them: every worksheet, any common CSV dialect.

CSV is streamed (never held whole in memory) by csv_reader. Workbooks are read by python-calamine in a
bounded child process (workbook_reader), one worksheet at a time; rows stream back as they are read.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

from easycrm.errors import UnreadableFile
from easycrm.importing.columns import find_header_row
from easycrm.importing.csv_reader import csv_rows
from easycrm.importing.workbook_reader import workbook_sheets

SUPPORTED_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")
_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")

HEADER_SCAN_ROWS = 30

Row = tuple[int, list[str]]  # (1-based row number in the sheet, cells as text)


@dataclass
class Sheet:
    """One worksheet (or the CSV file) with data: its header and a lazy stream of non-blank data rows."""

    name: str | None  # worksheet name; None for CSV/TSV
    header_row: int  # 1-based row number of the header row
    headers: list[str]
    rows: Iterator[Row]  # only the non-blank rows after the header


def open_sheets(fileobj: BinaryIO, file_name: str, *, warn: Callable[[str], None] | None = None) -> Iterator[Sheet]:
    """Every worksheet of the file that holds data rows, in order; raises UnreadableFile with a user message."""
    extension = PurePath(file_name).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        kind = f"'{extension}' files are" if extension else "A file without an extension is"
        raise UnreadableFile(f"{kind} not supported. Upload one of: {', '.join(SUPPORTED_EXTENSIONS)}.")
    if extension in _TEXT_EXTENSIONS:
        sheet = _sheet_from_rows(None, csv_rows(fileobj, tab_first=extension == ".tsv", warn=warn))
        if sheet:
            yield sheet
    else:
        for label, rows in workbook_sheets(fileobj, extension):
            sheet = _sheet_from_rows(label, rows)
            if sheet:
                yield sheet


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
