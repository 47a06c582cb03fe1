"""CSV, TSV and TXT lead files: the encoding and the delimiter found, records streamed, never read whole.

Memory stays bounded whatever the file holds: it is read in chunks, a physical line is cut at
_MAX_LINE_CHARS and a record may not span more than _MAX_RECORD_LINES lines or _MAX_RECORD_CHARS.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from easycrm.errors import UnreadableFile

Row = tuple[int, list[str]]  # (1-based record number, cells as text)

_CHUNK_BYTES = 1 << 16
_SAMPLE_RECORDS = 50
_DELIMITERS = (",", ";", "\t", "|")
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_BINARY = "This file is not a readable CSV file: it looks like binary data."

# UTF-32 first: its little-endian BOM (FF FE 00 00) starts with UTF-16's (FF FE). UTF-8's BOM is not
# here: a file that starts as UTF-8 may still have had cp1252 lines appended (see _utf8_or_cp1252).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Without a BOM, UTF-16 and UTF-32 show in where their zero bytes fall, by position modulo 4: a CSV's
# delimiters, digits and e-mail addresses are ASCII, so the high bytes of its code units ("zero lanes")
# are mostly 0, and the low bytes ("text lanes") almost never are. UTF-32 is tried first: in mostly-ASCII
# UTF-32LE, every odd byte is 0 too, but UTF-16LE's lane 2 carries text.
_WIDE_ENCODINGS = (  # (encoding, zero lanes, text lanes)
    ("utf-32-le", (2, 3), (0,)),
    ("utf-32-be", (0, 1), (3,)),
    ("utf-16-le", (1, 3), (0, 2)),
    ("utf-16-be", (0, 2), (1, 3)),
)
_MIN_ZERO_LANE_SHARE = 0.3  # leaves room for Cyrillic, Greek or CJK names; random bytes give ~0.004
_MAX_TEXT_LANE_ZERO_SHARE = 0.05

# A file that is UTF-8 on some lines and Windows-1252 on others (appended to by two tools) is decoded
# line by line; this pseudo-encoding names that.
_LINE_BY_LINE = "utf-8 or cp1252, line by line"
_MIXED_ENCODING_WARNING = (
    "Some lines of this file were not UTF-8 and were read as Windows-1252 (first at line {line}); "
    "check accented letters."
)

# Bounds. A longer line is cut (cells are cut to 10,000 characters downstream anyway). A quoted field
# still open after _MAX_RECORD_LINES lines or _MAX_RECORD_CHARS is taken for a stray quote: generous
# for a multi-line address or notes cell, and small enough to read a record's lines again cheaply.
_MAX_LINE_CHARS = 1 << 20
_MAX_RECORD_LINES = 100
_MAX_RECORD_CHARS = 1 << 20
# Lines can be crafted so that each one starts a record that runs to the bound, and so is read again
# up to _MAX_RECORD_LINES times: once lines have been read again this many times over, the rest of the
# file is read a line at a time, which keeps reading linear.
_MAX_READ_AGAIN_RATIO = 4

# Cells are bounded by the limits above; csv's own limit (128 KB) would refuse a long single-line cell.
csv.field_size_limit(2**31 - 1)


def csv_rows(fileobj: BinaryIO, *, tab_first: bool, warn: Callable[[str], None] | None = None) -> Iterator[Row]:
    """The file's records, numbered as the user counts them (a quoted multi-line cell is one record).

    `warn` gets a sentence for the user when the file reads but some of it may have come out wrong.
    """
    encoding, first_cp1252_line = _detect_encoding(fileobj)
    delimiter = _sniff_delimiter(_text_sample(_text_chunks(fileobj, encoding)), tab_first=tab_first)
    if first_cp1252_line is not None and warn is not None:
        warn(_MIXED_ENCODING_WARNING.format(line=first_cp1252_line))
    yield from enumerate(_records(_text_lines(_text_chunks(fileobj, encoding)), delimiter), start=1)


# --- encoding --------------------------------------------------------------------------------------


def _detect_encoding(fileobj: BinaryIO) -> tuple[str, int | None]:
    """The file's encoding, and for a file mixing UTF-8 and cp1252 lines the number of its first cp1252 line.

    A UTF-16 or UTF-32 BOM decides; else the pattern of zero bytes tells UTF-16 and UTF-32 and other zero
    bytes mean binary data; else the file is UTF-8, cp1252 or a mix of both.
    """
    fileobj.seek(0)
    head = fileobj.read(_CHUNK_BYTES)
    if not head:
        raise UnreadableFile("This file is empty.")
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, None
    if b"\x00" in head:
        wide = _wide_encoding(head)
        if wide is None:
            raise UnreadableFile(_BINARY)
        return wide, None
    return _utf8_or_cp1252(fileobj, utf8_declared=head.startswith(codecs.BOM_UTF8))


def _wide_encoding(head: bytes) -> str | None:
    """The UTF-16 or UTF-32 byte order whose zero-byte pattern the start of the file shows, if any."""
    lanes = [head[lane::4] for lane in range(4)]
    zero_shares = [lane.count(0) / max(len(lane), 1) for lane in lanes]
    for encoding, zero_lanes, text_lanes in _WIDE_ENCODINGS:
        if all(zero_shares[lane] >= _MIN_ZERO_LANE_SHARE for lane in zero_lanes) and all(
            zero_shares[lane] <= _MAX_TEXT_LANE_ZERO_SHARE for lane in text_lanes
        ):
            return encoding
    return None


def _utf8_or_cp1252(fileobj: BinaryIO, *, utf8_declared: bool) -> tuple[str, int | None]:
    """UTF-8 if the whole file is; else cp1252, unless a BOM or a line beyond ASCII says UTF-8: then line by line.

    A file that is cp1252 throughout is what Excel's plain "CSV" format writes on Western-European
    Windows: reading it as cp1252 is right and routine, so it gets no warning (one on the commonest
    non-UTF-8 upload would teach users to ignore warnings). A mix means the file itself is inconsistent,
    so the user is told where to check.
    """
    if _is_utf8_throughout(fileobj):
        return "utf-8-sig", None  # without a BOM, the same as "utf-8"
    first_cp1252_line = _first_cp1252_line_among_utf8(fileobj, utf8_declared=utf8_declared)
    return ("cp1252", None) if first_cp1252_line is None else (_LINE_BY_LINE, first_cp1252_line)


def _is_utf8_throughout(fileobj: BinaryIO) -> bool:
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fileobj.read(_CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _first_cp1252_line_among_utf8(fileobj: BinaryIO, *, utf8_declared: bool) -> int | None:
    """The number of the first line that is not UTF-8, if a BOM or another line beyond ASCII says UTF-8."""
    fileobj.seek(0)
    first_cp1252_line = None
    has_utf8_line = utf8_declared
    for number, line in enumerate(itertools.chain.from_iterable(_byte_line_chunks(fileobj)), start=1):
        if line.isascii():
            continue  # reads the same either way
        if _is_utf8(line):
            has_utf8_line = True
        elif first_cp1252_line is None:
            first_cp1252_line = number
        if has_utf8_line and first_cp1252_line is not None:
            return first_cp1252_line
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- text ------------------------------------------------------------------------------------------


def _text_chunks(fileobj: BinaryIO, encoding: str) -> Iterator[str]:
    """The file decoded from its start, in non-empty pieces."""
    fileobj.seek(0)
    if encoding == _LINE_BY_LINE:
        yield from _utf8_else_cp1252_chunks(fileobj)
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    while chunk := fileobj.read(_CHUNK_BYTES):
        if text := decoder.decode(chunk):
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


def _utf8_else_cp1252_chunks(fileobj: BinaryIO) -> Iterator[str]:
    """A file mixing UTF-8 and cp1252 decoded a chunk of lines at a time, each line as UTF-8 where it is UTF-8."""
    if fileobj.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
        fileobj.seek(0)
    for lines in _byte_line_chunks(fileobj):
        data = b"".join(lines)
        if _is_utf8(data):
            yield data.decode("utf-8")
        else:
            yield "".join(_utf8_else_cp1252(line) for line in lines)


def _utf8_else_cp1252(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def _byte_line_chunks(fileobj: BinaryIO) -> Iterator[list[bytes]]:
    """The rest of the file a chunk at a time, split after each CR LF, CR or LF; never an empty list.

    A line over _MAX_LINE_CHARS bytes comes in pieces. For UTF-8 and cp1252 only, where these bytes are
    never part of another character.
    """
    partial = b""
    while chunk := fileobj.read(_CHUNK_BYTES):
        lines = (partial + chunk).splitlines(keepends=True)
        # A line ending in CR stays partial too: its LF may start the next chunk.
        partial = b"" if lines[-1].endswith(b"\n") else lines.pop()
        if len(partial) > _MAX_LINE_CHARS:
            lines.append(partial)
            partial = b""
        if lines:
            yield lines
    if partial:
        yield [partial]


def _text_lines(chunks: Iterable[str]) -> Iterator[str]:
    """The text split after each CR LF, CR or LF, as open(newline="") splits it, line ends kept.

    A line longer than _MAX_LINE_CHARS (give or take a chunk) is cut there and the rest of it skipped,
    so that a file without line ends cannot fill memory.
    """
    partial = ""
    cut = False  # the line being read was already cut: what is left of it is skipped
    for chunk in chunks:
        lines = io.StringIO(partial + chunk, newline="").readlines()
        # A line ending in CR stays partial too: its LF may start the next chunk.
        partial = "" if lines[-1].endswith("\n") else lines.pop()
        if cut and lines:
            del lines[0]  # the end of the cut line
            cut = False
        yield from lines
        if len(partial) > _MAX_LINE_CHARS:
            if not cut:
                yield partial[:_MAX_LINE_CHARS]
                cut = True
            partial = "\r" if partial.endswith("\r") else ""  # a CR ends the cut line, maybe with an LF to come
    if partial and not cut:
        yield partial


def _text_sample(chunks: Iterator[str]) -> str:
    """The first _CHUNK_BYTES characters or so, refused if they look like binary data."""
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= _CHUNK_BYTES:
            break
    sample = "".join(parts)
    controls = sum(1 for char in sample if char < " " and char not in _ALLOWED_CONTROLS)
    if "\x00" in sample or controls > len(sample) / 20:
        raise UnreadableFile(_BINARY)
    return sample


# --- delimiter -------------------------------------------------------------------------------------


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


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


# --- records ---------------------------------------------------------------------------------------


def _records(lines: Iterator[str], delimiter: str) -> Iterator[list[str]]:
    """The records of the lines; a malformed one loses only itself, never the records after it.

    Records are parsed strictly: a quoted field must close before the end of the file, within the
    record bounds, and its closing quote be followed by a delimiter or the line end. A legitimate
    multi-line cell (Excel, RFC 4180) passes. A stray quote usually fails: the field it opens runs
    until the next quote in the file, which mostly opens a field of a later line and so is followed by
    text. A failed record becomes its first line alone (see _cells_of_line) and reading restarts at
    the next line. A stray quote whose field happens to close properly on a later line cannot be told
    from a multi-line cell: those lines make one record, as they would in Excel.
    """
    feed = _LineFeed(lines)
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    while True:
        feed.start_record()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RecordTooLong):
            cells = _cells_of_line(feed.record_lines[0], delimiter)
            feed.read_again_after_first_line()
        yield cells


def _cells_of_line(line: str, delimiter: str) -> list[str]:
    """A malformed record's first line as csv reads it leniently on its own.

    The fields before a stray quote come out as usual and the stray quote's field runs to the end of the
    line, delimiters included ('Jane,"jane@example.com,Acme' gives ['Jane', 'jane@example.com,Acme']),
    which shows in the rejected-rows report where the line went wrong. A line whose only fault is text
    after a closing quote ('a,"b"c,d') reads as it always did: ['a', 'bc', 'd'].
    """
    return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])


class _RecordTooLong(Exception):
    """A quoted field is still open past the record bounds."""


class _LineFeed:
    """The physical lines for csv.reader, one record at a time, so that a malformed record can be undone.

    It remembers the lines of the record being read, stops a record past the bounds, and gives back
    all but the first line of a malformed record to be read again.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._to_read_again: deque[str] = deque()
        self._lines_read = 0
        self._lines_read_again = 0
        self._max_record_lines = _MAX_RECORD_LINES
        self.record_lines: list[str] = []
        self._record_chars = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if len(self.record_lines) >= self._max_record_lines or self._record_chars > _MAX_RECORD_CHARS:
            raise _RecordTooLong
        if self._to_read_again:
            line = self._to_read_again.popleft()
            self._lines_read_again += 1
        else:
            line = next(self._lines)
            self._lines_read += 1
        self.record_lines.append(line)
        self._record_chars += len(line)
        return line

    def start_record(self) -> None:
        self.record_lines = []
        self._record_chars = 0

    def read_again_after_first_line(self) -> None:
        self._to_read_again.extendleft(reversed(self.record_lines[1:]))
        if self._lines_read_again > _MAX_READ_AGAIN_RATIO * self._lines_read + _MAX_RECORD_LINES:
            self._max_record_lines = 1  # a file full of stray quotes: no quoted field spans lines any more
