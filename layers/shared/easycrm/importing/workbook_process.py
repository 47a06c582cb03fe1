"""The workbook reader's child process: the only code that hands uploaded bytes to python-calamine.

calamine is a Rust library: a damaged file can make it panic (`PanicException`, a BaseException), and a
workbook that declares cells far apart makes it allocate the whole dense range, which aborts the process
("memory allocation of 549755813888 bytes failed"). So it runs here, in a process with an address-space
and CPU limit (set by the parent, see workbook_reader.py), and whatever happens to this process, the
parent only sees a stream end early and tells the user the file cannot be read.

Protocol: the file's bytes arrive on stdin; one JSON document per line goes to stdout:
  {"sheets": [labels…]}         every worksheet's label, in workbook order (see sheet_labels)
  {"sheet": index}               the rows that follow (if any) belong to that worksheet
  [row number, [cells…]]         one row as the user sees it (1-based sheet row number)
  {"error": message}             the file cannot be read; message is for the user
  {"end": true}                  everything was read
Before calamine sees a zip-based workbook (.xlsx/.xlsm/.ods), its archive is inspected: the number of
worksheets, the size each part expands to and each worksheet's declared extent are checked, so that the
common bombs are refused with a precise message instead of an out-of-memory death.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import sys
import zipfile
from typing import BinaryIO
from xml.sax.saxutils import escape

MAX_WORKSHEETS = 500
MAX_SHEET_CELLS = 10_000_000  # ~1 GB in calamine's dense range; a 25 MB upload never holds more real cells
MAX_PART_BYTES = 512 * 1024 * 1024  # what one archive member may expand to
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # what the whole archive may expand to
MAX_RATIO = 100  # real spreadsheet XML compresses 5-20x; a larger part expanding 100x is a bomb
RATIO_CHECK_FROM_BYTES = 16 * 1024 * 1024
MAX_CELL_CHARS = 10_000  # longer cells are cut here already (batches.MAX_CELL_CHARS downstream)
MAX_ROW_CHARS = 80_000  # beyond this a row is sent cut short; batches refuses it as oversized anyway

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?\"")
_DIMENSION_SCAN_BYTES = 64 * 1024


class _Refused(Exception):
    """The file cannot be read; the message is for the user."""


def _kind(extension: str) -> str:
    return "OpenDocument spreadsheet" if extension == ".ods" else "Excel workbook"


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _check_archive(data: bytes, extension: str) -> None:
    """Refuse zip bombs, absurd worksheet counts and absurd declared extents before calamine allocates."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # not a zip: calamine says what it is not
    with archive:
        members = archive.infolist()
        total = 0
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(1, member.compress_size)
            if member.file_size > MAX_PART_BYTES or (member.file_size > RATIO_CHECK_FROM_BYTES and ratio > MAX_RATIO):
                raise _Refused(
                    f"This {_kind(extension)} expands to {member.file_size / 2**20:,.0f} MB when opened "
                    f"({ratio:,.0f} times its size), more than Easy CRM reads. Save it again without "
                    "unused cells, or as CSV."
                )
        if total > MAX_TOTAL_BYTES:
            raise _Refused(
                f"This {_kind(extension)} expands to {total / 2**20:,.0f} MB when opened, more than Easy CRM "
                "reads. Split it into smaller files or save it as CSV."
            )
        if extension == ".ods":
            return
        sheets = [member for member in members if re.fullmatch(r"xl/worksheets/[^/]+\.xml", member.filename)]
        if len(sheets) > MAX_WORKSHEETS:
            raise _Refused(_too_many_sheets(len(sheets), extension))
        for member in sheets:
            with archive.open(member) as part:
                head = part.read(_DIMENSION_SCAN_BYTES)
            _check_declared_extent(head)


def _check_declared_extent(head: bytes) -> None:
    match = _DIMENSION.search(head)
    if not match or not match.group(3):
        return
    first_column, first_row, last_column, last_row = match.groups()
    rows = int(last_row) - int(first_row) + 1
    columns = _column_number(last_column.decode()) - _column_number(first_column.decode()) + 1
    if rows * columns > MAX_SHEET_CELLS:
        extent = f"{first_column.decode()}{int(first_row)}:{last_column.decode()}{int(last_row)}"
        raise _Refused(
            f"A worksheet of this workbook spans {extent} ({rows * columns:,} cells); Easy CRM reads worksheets "
            f"of up to {MAX_SHEET_CELLS:,} cells. Delete the cells far from your data (Ctrl+End shows the "
            "last one) and upload it again."
        )


def _too_many_sheets(count: int, extension: str) -> str:
    return (
        f"This {_kind(extension)} has {count:,} worksheets; Easy CRM reads workbooks of up to "
        f"{MAX_WORKSHEETS:,}. Split it into smaller files."
    )


def _is_encrypted_package(data: bytes) -> bool:
    """A password-protected Office file: an OLE container holding an "EncryptedPackage" stream.

    calamine reports such files only as "Cannot detect file format".
    """
    return data.startswith(_OLE_MAGIC) and _ENCRYPTED_PACKAGE in data


def sheet_labels(names: list[str]) -> list[str]:
    """Worksheet names made unique and non-blank, so that each sheet is counted and reported apart.

    Excel forbids both, but other tools write two sheets named "Leads" or one named "": the second
    "Leads" becomes "Leads (2)", a blank name "Sheet 3" (its position).
    """
    labels: list[str] = []
    for position, name in enumerate(names, start=1):
        base = name.strip() or f"Sheet {position}"
        label, copy = base, 1
        while label in labels:
            copy += 1
            label = f"{base} ({copy})"
        labels.append(label)
    return labels


_SHEET_NAME_TAGS = {  # the archive part naming the worksheets, and the tag that names one, in order
    ".xlsx": ("xl/workbook.xml", re.compile(rb"(<(?:\w+:)?sheet\b[^>]*?\bname=\")([^\"]*)(\")")),
    ".xlsm": ("xl/workbook.xml", re.compile(rb"(<(?:\w+:)?sheet\b[^>]*?\bname=\")([^\"]*)(\")")),
    ".ods": ("content.xml", re.compile(rb"(<table:table\b[^>]*?\btable:name=\")([^\"]*)(\")")),
}


def _renamed(data: bytes, extension: str, labels: list[str]) -> bytes:
    """The workbook with its worksheets renamed to their labels, so that two "Leads" are two sheets."""
    if extension not in _SHEET_NAME_TAGS:
        raise _Refused(
            f"This {_kind(extension)} has two worksheets with the same name. Rename one and upload it again."
        )
    part, tag = _SHEET_NAME_TAGS[extension]
    names = iter(labels)
    with zipfile.ZipFile(io.BytesIO(data)) as original:
        renamed = io.BytesIO()
        with zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as copy:
            for member in original.infolist():
                content = original.read(member)
                if member.filename == part:
                    content = tag.sub(lambda match: match[1] + escape(next(names)).encode() + match[3], content)
                copy.writestr(member, content)
    return renamed.getvalue()


def cell_text(value: object) -> str:
    """A cell as the user sees it: 4155550100.0 → "4155550100", dates as ISO text, TRUE/FALSE."""
    if isinstance(value, str):
        return value[:MAX_CELL_CHARS]
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return "" if value is None else str(value)


def _row_cells(values: list) -> list[str]:
    """The row's cells, cut short once it is certainly too large to import (it will be refused whole)."""
    cells: list[str] = []
    length = 0
    for value in values:
        text = cell_text(value)
        cells.append(text)
        length += len(text)
        if length > MAX_ROW_CHARS:
            break
    return cells


def read_workbook(data: bytes, extension: str, out: BinaryIO) -> None:
    import python_calamine  # only this process ever loads it

    def send(document: object) -> None:
        out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")

    kind = _kind(extension)
    try:
        _check_archive(data, extension)
        try:
            workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except python_calamine.CalamineError:
            if _is_encrypted_package(data):
                raise _Refused(f"This {kind} is password-protected. Remove the password and upload it again.") from None
            raise _Refused(f"This file is not a valid {kind}.") from None
        names = list(workbook.sheet_names)
        labels = sheet_labels(names)
        if len(labels) > MAX_WORKSHEETS:
            raise _Refused(_too_many_sheets(len(labels), extension))
        if len(set(names)) != len(names):  # calamine finds sheets by name: give each its own first
            workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(_renamed(data, extension, labels)))
        send({"sheets": labels})
        for index, label in enumerate(labels):
            send({"sheet": index})  # before loading it, so that a crash while loading names the worksheet
            try:
                worksheet = workbook.get_sheet_by_index(index)
            except python_calamine.CalamineError:
                raise _Refused(f"This file is not a valid {kind}: worksheet '{label}' is damaged.") from None
            if worksheet.start is None:  # no cells at all (iter_rows would fail on it)
                continue
            # iter_rows starts at the sheet's first row even when the data starts lower, so enumerate
            # gives the row numbers the user sees.
            for number, values in enumerate(worksheet.iter_rows(), start=1):
                if any(value not in ("", None) for value in values):
                    send([number, _row_cells(values)])
    except _Refused as refusal:
        send({"error": str(refusal)})
        return
    send({"end": True})


def main() -> int:
    extension = sys.argv[1]
    data = sys.stdin.buffer.read()
    out = sys.stdout.buffer
    try:
        read_workbook(data, extension, out)
    except BaseException:
        out.flush()
        return 3
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
