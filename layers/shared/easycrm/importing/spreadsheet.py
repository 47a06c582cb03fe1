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
from easycrm.importing.profiling import SAMPLE_ROWS, looks_like_data
from easycrm.importing.workbook_reader import workbook_sheets

SUPPORTED_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")
_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")

HEADER_SCAN_ROWS = 30

Row = tuple[int, list[str]]  # (1-based row number in the sheet, cells as text)


@dataclass
class Sheet:
    """One worksheet (or the CSV file) with data: its header, its first data rows, and a lazy stream of
    every non-blank data row (the sample included)."""

    name: str | None  # worksheet name; None for CSV/TSV
    header_row: int | None  # 1-based row number of the header row; None when the sheet has none
    headers: list[str]  # empty when the sheet has no header row
    sample: list[Row]  # the first SAMPLE_ROWS data rows, which the mapping is decided from
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


def header_index(head: list[list[str]]) -> int | None:
    """Which of a sheet's first non-blank rows is its header; None when the data starts at once.

    The row whose cells name the most lead fields wins, unless it holds an email or a phone number: a
    header never does. When no row names a field (a Japanese header the rules do not know, a file
    written without one), the header is the fullest row before the first row of data, and there is none
    when the very first row is data.
    """
    found = find_header_row(head)
    if found is not None and not looks_like_data(head[found]):
        return found
    first_data = next((index for index, cells in enumerate(head) if looks_like_data(cells)), None)
    if first_data is None:
        return 0
    if first_data == 0:
        return None
    fullest = max(range(first_data), key=lambda index: (sum(1 for cell in head[index] if cell.strip()), index))
    return fullest


def _sheet_from_rows(name: str | None, rows: Iterator[Row]) -> Sheet | None:
    """Find the header among the first non-blank rows; None when no data row follows it."""
    non_blank = (row for row in rows if not _is_blank(row[1]))
    head = list(itertools.islice(non_blank, HEADER_SCAN_ROWS))
    if not head:
        return None
    found = header_index([cells for _, cells in head])
    data_start = 0 if found is None else found + 1
    data = itertools.chain(head[data_start:], non_blank)
    sample = list(itertools.islice(data, SAMPLE_ROWS))
    if not sample:
        return None
    return Sheet(
        name=name,
        header_row=None if found is None else head[found][0],
        headers=[] if found is None else [cell.strip() for cell in head[found][1]],
        sample=sample,
        rows=itertools.chain(sample, data),
    )
