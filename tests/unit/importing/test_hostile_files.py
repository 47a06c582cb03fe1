"""The hostile file generators make what they claim: checked on the bytes, and against python-calamine.

Anything that may abort or panic the interpreter runs in a child process, so this one survives.
"""

from __future__ import annotations

import codecs
import csv
import io
import resource
import struct
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import pytest
import python_calamine

from tests.support import hostile_files as hostile
from tests.support.workbooks import write_xls

MAIN_NS = {"main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
CHILD_MEMORY_BYTES = 1 << 30


def read_in_child(path: Path, *, memory_bytes: int | None = None) -> subprocess.CompletedProcess:
    """Open the workbook and read every sheet with calamine in a child; prints the exception it raised."""
    script = (
        "import sys, python_calamine\n"
        "try:\n"
        "    book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])\n"
        "    for name in book.sheet_names:\n"
        "        book.get_sheet_by_name(name).to_python()\n"
        "    print('read')\n"
        "except BaseException as error:\n"
        "    kind = 'Exception' if isinstance(error, Exception) else 'BaseException'\n"
        "    print(type(error).__module__, type(error).__name__, kind, error)\n"
    )

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=limit_memory if memory_bytes else None,
    )


def csv_records(path: Path, field_size_limit: int = 131_072) -> list[list[str]]:
    """The file's records as Python's csv module reads them (newlines inside quotes kept)."""
    previous = csv.field_size_limit(field_size_limit)
    try:
        return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
    finally:
        csv.field_size_limit(previous)


def sheets_of(path: Path) -> dict[str, list[list]]:
    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def workbook_sheet_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    return [sheet.get("name") for sheet in workbook.iterfind("main:sheets/main:sheet", MAIN_NS)]


def member_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(name).decode("utf-8")


# --- the hand-written zip and xlsx ------------------------------------------------------------------


def test_column_letters_cover_excels_range():
    assert [hostile.column_letters(n) for n in (1, 26, 27, 52, 702, 703, 16384)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "ZZ",
        "AAA",
        "XFD",
    ]


def test_raw_xlsx_is_a_valid_package_that_calamine_reads_back(tmp_path):
    path = hostile.raw_xlsx(tmp_path / "plain.xlsx", [("Leads", hostile.sheet_xml(hostile.lead_rows(3)))])
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        assert package.namelist()[0] == "[Content_Types].xml"
    assert sheets_of(path) == {"Leads": hostile.lead_rows(3)}


def test_generators_write_the_same_bytes_every_time(tmp_path):
    for generator in (
        hostile.sparse_extent_xlsx,
        hostile.panicking_xls,
        hostile.damaged_second_sheet_xlsx,
        hostile.duplicate_sheet_names_xlsx,
        hostile.repeated_rows_ods,
        hostile.truncated_xlsx,
        hostile.mixed_encoding_csv,
    ):
        first, second = generator(tmp_path / "first"), generator(tmp_path / "second")
        assert first.read_bytes() == second.read_bytes(), generator.__name__


# --- memory and time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("generator", "dimension"),
    [(hostile.sparse_extent_xlsx, "A1:XFD1048576"), (hostile.sparse_extent_lying_xlsx, "A1")],
)
def test_sparse_extent_is_tiny_and_aborts_calamine(tmp_path, generator, dimension):
    path = generator(tmp_path / "sparse.xlsx")
    assert path.stat().st_size < 2_500
    sheet = ElementTree.fromstring(member_text(path, "xl/worksheets/sheet1.xml"))
    assert sheet.find("main:dimension", MAIN_NS).get("ref") == dimension
    refs = [cell.get("r") for cell in sheet.iterfind(".//main:c", MAIN_NS)]
    assert refs == ["A1", "B1", "A2", "B2", "XFD1048576"]
    child = read_in_child(path, memory_bytes=CHILD_MEMORY_BYTES)
    assert child.returncode != 0, child.stdout
    assert "memory allocation of 549755813888 bytes failed" in child.stderr


def test_sparse_extent_without_a_dimension_tag(tmp_path):
    path = hostile.sparse_extent_xlsx(tmp_path / "sparse.xlsx", dimension=None)
    assert "<dimension" not in member_text(path, "xl/worksheets/sheet1.xml")


def test_zip_bomb_is_400_kb_that_claims_400_mb(tmp_path):
    path = hostile.zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    assert 350_000 < path.stat().st_size < 500_000
    with zipfile.ZipFile(path) as package:
        sheet = package.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size > 400 * 2**20
        with package.open(sheet) as member:  # inflate only the start: the XML, then the one cell's text
            start = member.read(4096)
    assert start.startswith(hostile.WORKSHEET_OPEN.encode())
    assert start.endswith(b"A" * 1024)


def test_zip_bomb_member_inflates_to_exactly_what_it_claims(tmp_path):
    path = hostile.zip_bomb_xlsx(tmp_path / "small-bomb.xlsx", cell_mb=3)
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None  # every CRC and size checked
    assert [len(rows[0][0]) for rows in sheets_of(path).values()] == [3 * 2**20]


def test_many_sheets(tmp_path):
    path = hostile.many_sheets_xlsx(tmp_path / "sheets.xlsx")
    assert path.stat().st_size < 3_000_000
    names = workbook_sheet_names(path)
    assert len(names) == len(set(names)) == 5600
    assert member_text(path, "xl/worksheets/sheet5600.xml").count("<row ") == 2  # header and one lead


def test_many_members_is_a_valid_zip64_package_around_a_good_workbook(tmp_path):
    path = hostile.many_members_xlsx(tmp_path / "members.xlsx")
    with zipfile.ZipFile(path) as package:
        assert len(package.infolist()) == 100_005
    assert b"PK\x06\x06" in path.read_bytes()[-200:]  # the ZIP64 end record
    assert sheets_of(path) == {"Leads": hostile.lead_rows(20)}


def test_repeated_rows_ods_expands_one_row(tmp_path):
    assert hostile.repeated_rows_ods(tmp_path / "million.ods").stat().st_size < 2_000
    rows = sheets_of(hostile.repeated_rows_ods(tmp_path / "repeat.ods", repeat=1000))["Leads"]
    assert rows[0] == ["Name", "Email"]
    assert rows[1:] == [["Jane Doe", "jane@example.com"]] * 1000


def test_entity_expansion_is_refused_not_expanded(tmp_path):
    path = hostile.entity_expansion_xlsx(tmp_path / "entities.xlsx")
    assert '<!ENTITY secret SYSTEM "file:///etc/passwd">' in member_text(path, "xl/worksheets/sheet1.xml")
    with pytest.raises(python_calamine.CalamineError):
        sheets_of(path)


# --- wide files ------------------------------------------------------------------------------------


def test_wide_survey_csv(tmp_path):
    path = hostile.wide_survey_csv(tmp_path / "survey.csv")
    assert 800_000 < path.stat().st_size < 1_300_000
    rows = csv_records(path)
    assert len(rows) == 301
    assert {len(row) for row in rows} == {702}
    assert rows[0][351:353] == ["Name", "Email"]
    assert min(len(header) for header in rows[0] if header not in ("Name", "Email")) >= 140
    assert rows[300][352] == "respondent300@example.com"


def test_wide_survey_xlsx_matches_the_csv(tmp_path):
    csv_rows = csv_records(hostile.wide_survey_csv(tmp_path / "s.csv"))
    rows = sheets_of(hostile.wide_survey_xlsx(tmp_path / "s.xlsx"))["Survey"]
    assert rows == csv_rows


def test_fifty_thousand_columns(tmp_path):
    path = hostile.fifty_thousand_columns_csv(tmp_path / "wide.csv")
    rows = csv_records(path)
    assert [len(row) for row in rows] == [50_000] * 11
    assert rows[0][:3] == ["Name", "Email", "Field 3"]


def assert_one_huge_note_among_ten_leads(rows: list[list[str]]) -> None:
    assert len(rows) == 11
    assert sorted(len(row[4]) for row in rows)[-2:] == [5, 5 * 2**20]  # the "Notes" header, the one huge note


def test_giant_cell_csv(tmp_path):
    path = hostile.giant_cell_csv(tmp_path / "giant.csv")
    assert_one_huge_note_among_ten_leads(csv_records(path, field_size_limit=6 * 2**20))


def test_giant_cell_xlsx(tmp_path):
    assert_one_huge_note_among_ten_leads(sheets_of(hostile.giant_cell_xlsx(tmp_path / "giant.xlsx"))["Leads"])


# --- damaged workbooks -----------------------------------------------------------------------------


def test_panicking_xls_differs_from_xlwts_file_only_in_one_record_length(tmp_path):
    path = hostile.panicking_xls(tmp_path / "panic.xls")
    original = write_xls(tmp_path / "original.xls", {"Leads": hostile.lead_rows(20)}).read_bytes()
    damaged = path.read_bytes()
    differing = [offset for offset in range(len(original)) if original[offset] != damaged[offset]]
    assert len(original) == len(damaged)
    assert len(differing) == 1
    record_type, length = struct.unpack_from("<HH", damaged, differing[0] - 2)
    assert (record_type, length) == (0x0085, 0)  # BOUNDSHEET, claiming no body


def test_panicking_xls_makes_calamine_panic(tmp_path):
    child = read_in_child(hostile.panicking_xls(tmp_path / "panic.xls"))
    # a BaseException: `except CalamineError` and `except Exception` both let it through
    expected = "pyo3_runtime PanicException BaseException range end index 4 out of range for slice of length 0"
    assert expected in child.stdout, child.stdout + child.stderr


def test_damaged_second_sheet(tmp_path):
    path = hostile.damaged_second_sheet_xlsx(tmp_path / "damaged.xlsx")
    assert workbook_sheet_names(path) == ["Good", "Cut Short"]
    cut_short = member_text(path, "xl/worksheets/sheet2.xml")
    assert cut_short.count("</row>") == 181  # the header and 180 leads, then row 182 stops mid-cell
    assert not cut_short.endswith("</worksheet>")
    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        assert book.get_sheet_by_name("Good").to_python() == hostile.lead_rows(20)
        with pytest.raises(python_calamine.CalamineError):
            book.get_sheet_by_name("Cut Short")


def test_truncated_xlsx(tmp_path):
    path = hostile.truncated_xlsx(tmp_path / "truncated.xlsx")
    assert path.read_bytes().startswith(b"PK\x03\x04")
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)
    with pytest.raises(python_calamine.CalamineError):
        sheets_of(path)


def test_dangling_shared_string(tmp_path):
    path = hostile.dangling_shared_string_xlsx(tmp_path / "dangling.xlsx")
    assert member_text(path, "xl/sharedStrings.xml").count("<si>") == 6
    assert "<v>9999</v>" in member_text(path, "xl/worksheets/sheet1.xml")
    with pytest.raises(python_calamine.CalamineError, match="shared strings"):
        sheets_of(path)


def test_html_disguised_xls(tmp_path):
    path = hostile.html_disguised_xls(tmp_path / "export.xls")
    assert path.read_bytes().startswith(b"<html")
    assert path.read_text(encoding="utf-8").count("<tr>") == 16
    with pytest.raises(python_calamine.CalamineError):
        sheets_of(path)


# --- ambiguous structure ---------------------------------------------------------------------------


def test_duplicate_sheet_names(tmp_path):
    path = hostile.duplicate_sheet_names_xlsx(tmp_path / "duplicate.xlsx")
    assert workbook_sheet_names(path) == ["Leads", "Leads"]
    assert member_text(path, "xl/worksheets/sheet2.xml").count("<row ") == 16
    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        assert book.sheet_names == ["Leads", "Leads"]


def test_empty_sheet_name(tmp_path):
    path = hostile.empty_sheet_name_xlsx(tmp_path / "nameless.xlsx")
    assert workbook_sheet_names(path) == [""]
    assert sheets_of(path) == {"": hostile.lead_rows(10)}


def test_formula_injection_xlsx(tmp_path):
    path = hostile.formula_injection_xlsx(tmp_path / "formula.xlsx")
    assert workbook_sheet_names(path) == [hostile.FORMULA_SHEET_NAME]
    assert "<f>HYPERLINK(" in member_text(path, "xl/worksheets/sheet1.xml")
    rows = sheets_of(path)[hostile.FORMULA_SHEET_NAME]
    assert rows[0] == ["Name", "Email", "Company"]  # the formula header's cached value
    assert {row[2][0] for row in rows[1:]} == {"=", "+", "-", "@"}


def test_formula_injection_csv(tmp_path):
    rows = csv_records(hostile.formula_injection_csv(tmp_path / "f.csv"))
    assert {row[0][0] for row in rows[1:]} == {"=", "+", "-", "@"}


# --- text files ------------------------------------------------------------------------------------


def test_unterminated_quote_swallows_the_rest_of_the_file(tmp_path):
    path = hostile.unterminated_quote_csv(tmp_path / "quote.csv")
    text = path.read_bytes().decode("utf-8")
    assert text.count("\r\n") == 101
    assert text.count('"') == 1
    rows = csv_records(path)
    assert len(rows) == 4  # header, leads 1 and 2, then lead 3's email field holding everything after it
    assert rows[3][1].startswith("lead3@example.com") and "lead100@example.com" in rows[3][1]


def test_mixed_encoding_alternates_utf8_and_cp1252_lines(tmp_path):
    data = hostile.mixed_encoding_csv(tmp_path / "mixed.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    lines = data.split(b"\r\n")[1:-1]
    assert len(lines) == 20
    assert [line.decode("utf-8").split(",")[0] for line in lines[::2]][:2] == ["Jürgen Müller", "Zoë Brontë"]
    assert [line.decode("cp1252").split(",")[0] for line in lines[1::2]][:2] == ["Renée Dubois", "François Lefèvre"]


@pytest.mark.parametrize(
    ("make", "encoding", "mark"),
    [
        (lambda p: hostile.utf16_without_bom_csv(p), "utf-16-le", b""),
        (lambda p: hostile.utf16_without_bom_csv(p, big_endian=True), "utf-16-be", b""),
        (lambda p: hostile.utf32_csv(p), "utf-32-le", codecs.BOM_UTF32_LE),
        (lambda p: hostile.utf32_csv(p, big_endian=True), "utf-32-be", codecs.BOM_UTF32_BE),
        (lambda p: hostile.utf32_csv(p, bom=False), "utf-32-le", b""),
        (lambda p: hostile.utf32_csv(p, big_endian=True, bom=False), "utf-32-be", b""),
    ],
)
def test_wide_encodings(tmp_path, make, encoding, mark):
    data = make(tmp_path / "wide-encoding.csv").read_bytes()
    assert data.startswith(mark)
    text = data[len(mark) :].decode(encoding)
    assert text.startswith("Name,Email,Phone\r\nJürgen Müller,lead1@example.com,")
    assert text.count("\r\n") == 21


def test_wide_encoding_without_bom_has_no_bom(tmp_path):
    for data in (
        hostile.utf16_without_bom_csv(tmp_path / "a.csv").read_bytes(),
        hostile.utf32_csv(tmp_path / "b.csv", bom=False).read_bytes(),
    ):
        assert not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8))


def test_nul_byte_sits_past_the_first_64_kb(tmp_path):
    data = hostile.nul_byte_csv(tmp_path / "nul.csv").read_bytes()
    assert data.count(b"\x00") == 1
    assert data.index(b"\x00") > 65_536
    assert b"Acme\x00Corp" in data


def test_empty_and_bom_only(tmp_path):
    assert hostile.empty_file(tmp_path / "empty.xlsx").read_bytes() == b""
    assert hostile.bom_only_csv(tmp_path / "bom.csv").read_bytes() == codecs.BOM_UTF8
