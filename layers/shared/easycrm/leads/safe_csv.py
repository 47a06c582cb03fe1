"""The one CSV encoder for every file a user opens in a spreadsheet: the export and the rejected-rows report.

A cell that starts with = + - @ tab or CR is a formula to Excel, LibreOffice and Google Sheets
(`=HYPERLINK("http://evil", "Click")`, `@SUM(…)`); lead data and rejected rows come from uploaded files,
so every such cell is prefixed with a single quote and shows as text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"\+\d{7,15}")


def neutralize(value: str, column: str = "") -> str:
    """Prefix a single quote to a cell a spreadsheet would read as a formula.

    A `phone` that is exactly an E.164 number (+ and 7-15 digits) stays as it is: it holds no function
    call or reference, so at worst a spreadsheet shows it as a number; every other cell starting with
    = + - @ tab or CR is quoted (`'=HYPERLINK(...)`, `'@SUM(1)`, `'-5`, a "+1 415…" typed into notes).
    """
    if not value.startswith(FORMULA_PREFIXES):
        return value
    if column == "phone" and _E164.fullmatch(value):
        return value
    return "'" + value


class SafeCsvEncoder:
    """Rows in, UTF-8 CSV lines out (CRLF, as Excel writes), every cell neutralized for its column."""

    def __init__(self, columns: Sequence[str] = ()):
        self._columns = list(columns)
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, lineterminator="\r\n")

    def encode(self, row: Sequence[object]) -> bytes:
        cells = ["" if value is None else str(value) for value in row]
        names = self._columns + [""] * (len(cells) - len(self._columns))
        self._writer.writerow([neutralize(cell, name) for cell, name in zip(cells, names, strict=False)])
        line = self._text.getvalue().encode("utf-8")
        self._text.seek(0)
        self._text.truncate()
        return line
