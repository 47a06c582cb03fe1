import datetime
import io
import os
import struct
import zipfile
from pathlib import Path

import pytest
import xlwt
from easycrm.importing.spreadsheet import SUPPORTED_EXTENSIONS, UnreadableFile, open_sheets
from xlwt.CompoundDoc import XlsDoc

from scripts.make_sample_workbook import build_workbook, reproducible_bytes
from tests.support.workbooks import messy_lead_rows, write_csv, write_ods, write_xls, write_xlsx

HEADERS = ["Name", "Email", "Phone", "Company"]
LEADS = [
    ["Jane Doe", "jane@example.com", "(415) 555-0100", "Acme"],
    ["Jürgen Müller", "j.mueller@example.de", "030 1234567", "Müller & Söhne"],
    ["Renée Café", "renee@example.fr", "+33 1 23 45 67 89", "Café € Co"],
]


def read(path, file_name=None):
    """Every sheet of the file, with its rows consumed: [(name, header_row, headers, rows)]."""
    with open(path, "rb") as file:
        return [
            (sheet.name, sheet.header_row, sheet.headers, list(sheet.rows))
            for sheet in open_sheets(file, file_name or os.path.basename(path))
        ]


def read_bytes(data: bytes, file_name: str):
    return [(s.name, s.header_row, s.headers, list(s.rows)) for s in open_sheets(io.BytesIO(data), file_name)]


def unreadable_message(data: bytes, file_name: str) -> str:
    with pytest.raises(UnreadableFile) as error:
        read_bytes(data, file_name)
    return str(error.value)


# --- CSV encodings and dialects -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "cp1252"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "leads.csv"
    if encoding.endswith("-bom"):
        codec = encoding.removesuffix("-bom")
        bom = "\ufeff".encode(codec)
        text = "\r\n".join(",".join(row) for row in [HEADERS, *LEADS]) + "\r\n"
        path.write_bytes(bom + text.encode(codec))
    else:
        write_csv(path, [HEADERS, *LEADS], encoding=encoding)

    [(name, header_row, headers, rows)] = read(path)

    assert (name, header_row, headers) == (None, 1, HEADERS)
    assert rows == [(2, LEADS[0]), (3, LEADS[1]), (4, LEADS[2])]


def test_utf8_is_checked_through_the_whole_file(tmp_path):
    """A cp1252 byte far beyond the first chunk still switches the whole file to cp1252."""
    path = tmp_path / "late-umlaut.csv"
    filler = [["Filler", f"filler{i}@example.com", "", "x" * 50] for i in range(2000)]
    write_csv(path, [HEADERS, *filler, LEADS[1]], encoding="cp1252")
    assert path.stat().st_size > 100_000

    [(_, _, _, rows)] = read(path)

    assert rows[-1] == (2002, LEADS[1])


def test_utf8_character_split_across_chunks_stays_utf8(tmp_path):
    path = tmp_path / "split.csv"
    prefix = "Name,Email\r\n" + "a,b@example.com\r\n" * 3000
    data = prefix.encode() + b"x" * (65536 - len(prefix.encode()) - 1) + "é,c@example.com\r\n".encode()
    assert data[65535:65537] == "é".encode()  # the two bytes of é sit on both sides of a chunk boundary
    path.write_bytes(data)

    [(_, _, _, rows)] = read(path)

    assert rows[-1][1] == ["x" * (65536 - len(prefix.encode()) - 1) + "é", "c@example.com"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(tmp_path, delimiter):
    path = tmp_path / "leads.csv"
    write_csv(path, [HEADERS, *LEADS], delimiter=delimiter)

    [(_, _, headers, rows)] = read(path)

    assert headers == HEADERS
    assert [cells for _, cells in rows] == LEADS


def test_semicolon_file_with_commas_inside_values(tmp_path):
    path = tmp_path / "excel-de.csv"
    rows = [HEADERS, ["DOE, JANE", "jane@example.com", "1,5", "Acme, Inc."], ["ROE, RICK", "rick@example.com", "", ""]]
    write_csv(path, rows, delimiter=";", encoding="cp1252")

    [(_, _, headers, data)] = read(path)

    assert headers == HEADERS
    assert data[0][1] == ["DOE, JANE", "jane@example.com", "1,5", "Acme, Inc."]


@pytest.mark.parametrize("file_name", ["leads.tsv", "leads.txt"])
def test_tab_separated_text_exports(tmp_path, file_name):
    path = write_csv(tmp_path / file_name, [HEADERS, *LEADS], encoding="utf-16", delimiter="\t")
    [(_, _, headers, rows)] = read(path)
    assert headers == HEADERS
    assert len(rows) == 3


def test_quoted_newlines_stay_in_the_cell_and_rows_are_numbered_by_record(tmp_path):
    path = tmp_path / "notes.csv"
    write_csv(
        path,
        [
            ["Email", "Notes"],
            ["a@example.com", "Line one\nLine two\r\nLine three"],
            ["b@example.com", "single line"],
        ],
    )

    [(_, _, _, rows)] = read(path)

    assert rows == [(2, ["a@example.com", "Line one\nLine two\r\nLine three"]), (3, ["b@example.com", "single line"])]


def test_huge_field_is_read(tmp_path):
    path = write_csv(tmp_path / "huge.csv", [["Email", "Notes"], ["a@example.com", "n" * 500_000]])
    [(_, _, _, rows)] = read(path)
    assert len(rows[0][1][1]) == 500_000


def test_single_column_csv(tmp_path):
    path = write_csv(tmp_path / "emails.csv", [["Email"], ["a@example.com"], ["b@example.com"]])
    [(_, _, headers, rows)] = read(path)
    assert headers == ["Email"]
    assert rows == [(2, ["a@example.com"]), (3, ["b@example.com"])]


class TrackingFile(io.BytesIO):
    """Records how much was asked for in one read, to prove the CSV is never read whole."""

    largest_read = 0

    def read(self, size=-1):
        self._note(size)
        return super().read(size)

    def read1(self, size=-1):
        self._note(size)
        return super().read1(size)

    def _note(self, size):
        self.largest_read = max(self.largest_read, len(self.getbuffer()) if size is None or size < 0 else size)


def test_csv_is_streamed_in_bounded_reads_and_the_file_stays_open(tmp_path):
    path = write_csv(tmp_path / "big.csv", messy_lead_rows(20_000, seed=5))
    file = TrackingFile(path.read_bytes())
    assert len(file.getbuffer()) > 1_000_000

    [sheet] = open_sheets(file, "big.csv")
    assert sum(1 for _ in sheet.rows) == 20_000

    assert file.largest_read <= 65536
    assert not file.closed


# --- header detection and blank rows --------------------------------------------------------------


def test_title_rows_above_the_header_are_skipped(tmp_path):
    path = write_csv(
        tmp_path / "show.csv",
        [["Trade show leads 2026", "", "", ""], ["", "", "", ""], HEADERS, LEADS[0], LEADS[1]],
    )

    [(_, header_row, headers, rows)] = read(path)

    assert (header_row, headers) == (3, HEADERS)
    assert [number for number, _ in rows] == [4, 5]


def test_without_a_recognizable_header_the_first_row_is_the_header(tmp_path):
    path = write_csv(tmp_path / "odd.csv", [["", ""], ["foo", "bar"], ["1", "2"], ["3", "4"]])

    [(_, header_row, headers, rows)] = read(path)

    assert (header_row, headers) == (2, ["foo", "bar"])
    assert rows == [(3, ["1", "2"]), (4, ["3", "4"])]


def test_blank_rows_are_skipped_but_numbering_is_kept(tmp_path):
    path = write_csv(tmp_path / "gaps.csv", [HEADERS, LEADS[0], ["", " ", "\t", ""], [], LEADS[1], ["", "", "", ""]])

    [(_, _, _, rows)] = read(path)

    assert rows == [(2, LEADS[0]), (5, LEADS[1])]


def test_header_is_found_after_many_blank_rows(tmp_path):
    path = write_csv(tmp_path / "late.csv", [[""]] * 100 + [HEADERS, LEADS[0]])
    [(_, header_row, headers, rows)] = read(path)
    assert (header_row, headers, rows) == (101, HEADERS, [(102, LEADS[0])])


def test_a_file_with_only_a_header_has_no_sheets(tmp_path):
    path = write_csv(tmp_path / "header.csv", [HEADERS, ["", "", "", ""]])
    assert read(path) == []


# --- unreadable text files ------------------------------------------------------------------------


def test_empty_file_is_unreadable():
    assert unreadable_message(b"", "leads.csv") == "This file is empty."


@pytest.mark.parametrize(
    "data",
    [os.urandom(5000), b"PK\x03\x04" + bytes(range(256)) * 20, bytes(range(1, 32)) * 100],
    ids=["random", "zip", "control-characters"],
)
def test_binary_data_is_not_a_csv(data):
    message = unreadable_message(data, "leads.csv")
    assert message.startswith("This file is not a readable CSV file")


@pytest.mark.parametrize("file_name", ["leads.pdf", "leads", "leads.numbers", "leads.xlsb"])
def test_unsupported_extensions_name_the_supported_types(file_name):
    message = unreadable_message(b"Email\na@example.com\n", file_name)
    assert "not supported" in message
    assert all(extension in message for extension in SUPPORTED_EXTENSIONS)


def test_extension_matching_ignores_case(tmp_path):
    path = write_csv(tmp_path / "LEADS.CSV", [HEADERS, LEADS[0]])
    assert len(read(path)) == 1


# --- workbooks ------------------------------------------------------------------------------------

WORKBOOK_WRITERS = {".xlsx": write_xlsx, ".xlsm": write_xlsx, ".xls": write_xls, ".ods": write_ods}


@pytest.fixture(params=sorted(WORKBOOK_WRITERS))
def workbook_path(request, tmp_path):
    """A path factory for each workbook format: call it with the sheets to write."""
    extension = request.param

    def make(sheets):
        return WORKBOOK_WRITERS[extension](tmp_path / f"leads{extension}", sheets)

    return make


def test_every_worksheet_is_read_and_empty_ones_are_skipped(workbook_path):
    path = workbook_path(
        {
            "Trade Show": [HEADERS, LEADS[0], LEADS[1]],
            "Empty": [],
            "Only headers": [HEADERS],
            "Webinar": [HEADERS, LEADS[2]],
        }
    )

    sheets = read(path)

    assert [(name, header_row, headers) for name, header_row, headers, _ in sheets] == [
        ("Trade Show", 1, HEADERS),
        ("Webinar", 1, HEADERS),
    ]
    assert sheets[0][3] == [(2, LEADS[0]), (3, LEADS[1])]
    assert sheets[1][3] == [(2, LEADS[2])]


def test_cells_become_text_as_the_user_sees_them(workbook_path):
    path = workbook_path(
        {
            "Types": [
                ["Phone", "Score", "Count", "Met on", "Called at", "Opt in", "Empty", "Email"],
                [
                    4155550100,
                    4.25,
                    7,
                    datetime.date(2026, 3, 5),
                    datetime.datetime(2026, 3, 5, 14, 30),
                    True,
                    None,
                    "x",
                ],
                [4155550100.0, 0.1, -3, None, None, False, None, "y"],
            ]
        }
    )

    [(_, _, _, rows)] = read(path)

    assert rows[0][1] == ["4155550100", "4.25", "7", "2026-03-05", "2026-03-05T14:30:00", "TRUE", "", "x"]
    assert rows[1][1] == ["4155550100", "0.1", "-3", "", "", "FALSE", "", "y"]


def test_title_rows_and_offset_data_keep_sheet_row_numbers(workbook_path):
    path = workbook_path(
        {
            "Leads": [
                [None, None],
                [None, "Trade show leads 2026"],
                [None, None],
                [None, "Name", "Email"],
                [None, "Jane Doe", "jane@example.com"],
                [None, None, None],
                [None, "John Roe", "john@example.com"],
            ]
        }
    )

    [(_, header_row, headers, rows)] = read(path)

    assert (header_row, headers) == (4, ["Name", "Email"])
    assert rows == [(5, ["Jane Doe", "jane@example.com"]), (7, ["John Roe", "john@example.com"])]


def test_a_workbook_of_empty_sheets_has_no_sheets(workbook_path):
    assert read(workbook_path({"One": [], "Two": [[None, ""]]})) == []


@pytest.mark.parametrize("extension", [".xlsx", ".xlsm", ".xls"])
@pytest.mark.parametrize(
    "data",
    [b"Name,Email\nJane,jane@example.com\n", os.urandom(4000), b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)],
    ids=["csv", "random", "empty", "bad-ole"],
)
def test_a_non_workbook_with_an_excel_extension_is_unreadable(extension, data):
    assert unreadable_message(data, f"leads{extension}") == "This file is not a valid Excel workbook."


def test_a_non_spreadsheet_ods_is_unreadable():
    assert unreadable_message(b"not a spreadsheet", "leads.ods") == "This file is not a valid OpenDocument spreadsheet."


def test_a_zip_that_is_not_a_workbook_is_unreadable():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "hello")
    assert unreadable_message(archive.getvalue(), "leads.xlsx") == "This file is not a valid Excel workbook."


def test_a_truncated_workbook_is_unreadable(tmp_path):
    data = write_xlsx(tmp_path / "full.xlsx", {"Leads": [HEADERS, *LEADS]}).read_bytes()
    assert unreadable_message(data[: len(data) // 2], "leads.xlsx") == "This file is not a valid Excel workbook."


def test_a_workbook_with_a_damaged_sheet_is_unreadable(tmp_path):
    data = write_xlsx(tmp_path / "full.xlsx", {"Leads": [HEADERS, *LEADS]}).read_bytes()
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as original, zipfile.ZipFile(damaged, "w") as copy:
        for item in original.infolist():
            content = original.read(item.filename)
            copy.writestr(item, content[: len(content) // 2] if item.filename.endswith("sheet1.xml") else content)

    message = unreadable_message(damaged.getvalue(), "leads.xlsx")

    assert message == "This file is not a valid Excel workbook: worksheet 'Leads' is damaged."


@pytest.mark.parametrize("extension", [".xlsx", ".xls"])
def test_a_password_protected_workbook_says_so(tmp_path, extension):
    """Excel saves a password-protected workbook as an OLE container with an "EncryptedPackage" stream.

    Built here from xlwt's OLE writer, renaming its one stream the way an encrypted file names it.
    """
    workbook = xlwt.Workbook()
    workbook.add_sheet("Leads").write(0, 0, "Email")
    container = io.BytesIO()
    XlsDoc().save(container, workbook.get_biff_data())
    stream_name = "Workbook".encode("utf-16-le") + b"\x00\x00"
    encrypted_name = "EncryptedPackage".encode("utf-16-le") + b"\x00\x00"
    data = container.getvalue()
    entry = data.index(stream_name)
    data = (
        data[:entry]
        + encrypted_name
        + data[entry + len(encrypted_name) : entry + 64]
        + (struct.pack("<H", len(encrypted_name)) + data[entry + 66 :])
    )

    message = unreadable_message(data, f"locked{extension}")

    assert message == "This Excel workbook is password-protected. Remove the password and upload it again."


def test_messy_rows_survive_every_format(tmp_path):
    rows = messy_lead_rows(300, seed=11)
    non_blank = [row for row in rows[1:] if any(str(cell).strip() for cell in row)]
    paths = [
        write_xlsx(tmp_path / "m.xlsx", {"Leads": rows}),
        write_xls(tmp_path / "m.xls", {"Leads": rows}),
        write_ods(tmp_path / "m.ods", {"Leads": rows}),
        write_csv(tmp_path / "m.csv", rows, encoding="utf-8-sig", delimiter=";"),
    ]
    for path in paths:
        [(_, _, headers, data)] = read(path)
        assert headers == rows[0], path.name
        assert [cells for _, cells in data] == non_blank, path.name


# --- the committed sample workbook ----------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "leads-sample.xlsx"


def zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_sample_workbook_is_up_to_date():
    """Regenerating gives the committed content (compared unzipped: zlib builds may compress differently)."""
    assert zip_entries(reproducible_bytes(build_workbook())) == zip_entries(SAMPLE.read_bytes())


def test_sample_workbook_reads_as_three_sheets_with_their_headers():
    sheets = read(SAMPLE)

    assert [(name, header_row, headers[:3]) for name, header_row, headers, _ in sheets] == [
        ("Trade Show", 3, ["Full Name", "E-mail Address", "Mobile"]),
        ("Webinar", 1, ["First Name", "Last Name", "Email"]),
        ("Partner List (DE)", 1, ["Vorname", "Nachname", "E-Mail-Adresse"]),
    ]
    assert 60 <= sum(len(rows) for *_, rows in sheets) <= 120
    trade_show_rows = [number for number, _ in sheets[0][3]]
    assert trade_show_rows[0] == 4
    assert len(trade_show_rows) == 34  # 32 people, a repeat and a card-less visitor; the blank row is skipped
    assert 16 not in trade_show_rows
