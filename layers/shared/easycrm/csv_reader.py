"""CSV, TSV and TXT lead files: the encoding and the delimiter found, records streamed, never read whole."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
from collections.abc import Iterator
from typing import BinaryIO

from easycrm.errors import UnreadableFile

Row = tuple[int, list[str]]  # (1-based record number, cells as text)

_CHUNK_BYTES = 1 << 16
_SAMPLE_RECORDS = 50
_DELIMITERS = (",", ";", "\t", "|")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")

# A single cell may legitimately hold pages of notes; the upload size limit bounds memory instead.
csv.field_size_limit(2**31 - 1)


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def csv_rows(fileobj: BinaryIO, *, tab_first: bool) -> Iterator[Row]:
    encoding = _detect_encoding(fileobj)
    fileobj.seek(0)
    delimiter = _sniff_delimiter(_text_sample(fileobj, encoding), tab_first=tab_first)
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, errors="replace", newline="")
    try:
        yield from enumerate(csv.reader(text, delimiter=delimiter), start=1)
    except csv.Error:
        raise UnreadableFile("This file is not a readable CSV file.") from None
    finally:
        text.detach()  # the caller owns fileobj; closing the wrapper must not close it


def _detect_encoding(fileobj: BinaryIO) -> str:
    """BOM first; otherwise UTF-8 if the whole file decodes as UTF-8 (checked chunk by chunk), else cp1252."""
    fileobj.seek(0)
    head = fileobj.read(_CHUNK_BYTES)
    if not head:
        raise UnreadableFile("This file is empty.")
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:
        raise UnreadableFile("This file is not a readable CSV file: it looks like binary data.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk = head
    try:
        while chunk:
            decoder.decode(chunk)
            chunk = fileobj.read(_CHUNK_BYTES)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _text_sample(fileobj: BinaryIO, encoding: str) -> str:
    """The first chunk decoded, without failing on a multi-byte character cut at the end."""
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(fileobj.read(_CHUNK_BYTES))
    controls = sum(1 for char in sample if char < " " and char not in _ALLOWED_CONTROLS)
    if "\x00" in sample or controls > len(sample) / 20:
        raise UnreadableFile("This file is not a readable CSV file: it looks like binary data.")
    return sample


def _sniff_delimiter(sample: str, *, tab_first: bool) -> str:
    """The delimiter that splits the sample's records into the most consistent column count (> 1).

    csv.Sniffer alone guesses wrong on short or ragged files, so each candidate is simply tried.
    """
    candidates = ("\t", *(d for d in _DELIMITERS if d != "\t")) if tab_first else _DELIMITERS
    best, best_score = candidates[0], (0.0, 0)
    for delimiter in candidates:
        widths = [len(cells) for cells in _sample_records(sample, delimiter) if not _is_blank(cells)]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common) / len(widths), common)
        if common > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def _sample_records(sample: str, delimiter: str) -> list[list[str]]:
    """The sample's first records, without the last one, which the sample may have cut short."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    with contextlib.suppress(csv.Error):  # keep what was read before a malformed record
        records.extend(itertools.islice(reader, _SAMPLE_RECORDS + 1))
    return records[:-1] if len(records) > 1 else records
