"""csv_reader on the files users really upload: odd encodings, mixed encodings and malformed quotes."""

import codecs
import io
import os
import struct
import time
import zlib

import pytest
from easycrm.errors import UnreadableFile
from easycrm.importing.csv_reader import _MAX_LINE_CHARS, _MAX_RECORD_LINES, csv_rows
from easycrm.importing.spreadsheet import open_sheets

HEADERS = ["Name", "Email", "Phone", "Company"]
LEADS = [
    ["Jane Doe", "jane@example.com", "(415) 555-0100", "Acme"],
    ["Jürgen Müller", "j.mueller@example.de", "030 1234567", "Müller & Söhne"],
    ["Renée Café", "renee@example.fr", "+33 1 23 45 67 89", "Café € Co"],
    ["José Núñez", "jose@example.es", "", "Señor Ñandú S.A."],
]
BINARY = "This file is not a readable CSV file: it looks like binary data."


def csv_text(rows: list[list[str]]) -> str:
    return "".join(",".join(row) + "\r\n" for row in rows)


def records(data: bytes, warnings: list[str] | None = None) -> list[tuple[int, list[str]]]:
    """Every record of the file, the header too; warnings, when given, collects what csv_rows warns."""
    return list(csv_rows(io.BytesIO(data), tab_first=False, warn=None if warnings is None else warnings.append))


def numbered(rows: list[list[str]], start: int = 1) -> list[tuple[int, list[str]]]:
    return list(enumerate(rows, start=start))


# --- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_are_read_with_or_without_a_bom(codec, bom):
    text = ("\ufeff" if bom else "") + csv_text([HEADERS, *LEADS])
    warnings: list[str] = []

    assert records(text.encode(codec), warnings) == numbered([HEADERS, *LEADS])
    assert warnings == []


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_found_in_non_latin_text(codec):
    """Cyrillic and Chinese names leave fewer zero bytes than Latin ones; the delimiters and e-mails still show it."""
    rows = [
        ["Фамилия Имя", "Электронная почта", "Телефон", "Компания"],
        ["Иванов Иван Петрович", "ivanov@example.ru", "+7 495 123-45-67", "Ромашка и партнёры"],
        ["Смирнова Ольга", "olga@example.ru", "", "Газпромнефть"],
        ["张伟", "zhang.wei@example.cn", "138 0013 8000", "北京科技有限公司"],
    ]

    assert records(csv_text(rows).encode(codec)) == numbered(rows)


def png_bytes() -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    pixels = zlib.compress(os.urandom(64 * 64 * 3))
    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data",
    [
        png_bytes(),
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + os.urandom(4000),
        os.urandom(5000),
        bytes(4000),
        struct.pack("<2000H", *(i % 32 for i in range(2000))),  # zero high bytes, like UTF-16LE, but control codes
    ],
    ids=["png", "zip", "random", "zeros", "utf16-shaped-controls"],
)
def test_binary_data_is_still_refused(data):
    with pytest.raises(UnreadableFile) as error:
        records(data)
    assert str(error.value) == BINARY


# --- mixed encodings ------------------------------------------------------------------------------


def test_mixed_utf8_and_cp1252_lines_each_read_right_and_warn_once():
    """An export appended to by a second tool: UTF-8 lines, then cp1252 lines beyond the first chunk, CR LF ends."""
    filler = [[f"Filler {i}", f"filler{i}@example.com", "", "x" * 40] for i in range(2000)]
    utf8_part = csv_text([HEADERS, LEADS[3], *filler]).encode("utf-8")
    cp1252_part = csv_text([LEADS[1], LEADS[2]]).encode("cp1252")
    tail = csv_text([LEADS[0], ["Zoë Ångström", "zoe@example.se", "", "Ålesund AB"]]).encode("utf-8")
    assert len(utf8_part) > 100_000
    warnings: list[str] = []

    rows = records(utf8_part + cp1252_part + tail, warnings)

    assert rows[:2] == numbered([HEADERS, LEADS[3]])
    assert rows[-4:] == numbered(
        [LEADS[1], LEADS[2], LEADS[0], ["Zoë Ångström", "zoe@example.se", "", "Ålesund AB"]], 2003
    )
    assert warnings == [
        "Some lines of this file were not UTF-8 and were read as Windows-1252 (first at line 2003); "
        "check accented letters."
    ]


@pytest.mark.parametrize(
    ("rows", "cp1252_line"),
    [
        (
            [
                ["Name", "Email", "Company"],
                ["Jane Doe", "jane@example.com", "Acme"],
                ["Jürgen Müller", "j.mueller@example.de", "Söhne"],
            ],
            3,
        ),
        ([["Name", "E-Mail", "Straße"], ["Jane Doe", "jane@example.com", "Main St"]], 1),
    ],
    ids=["appended", "header"],
)
def test_after_a_utf8_bom_a_cp1252_line_makes_a_mix(rows, cp1252_line):
    """Excel's "CSV UTF-8" starts with a BOM: a cp1252 line in it is a mix even if no other line is beyond ASCII."""
    lines = [csv_text([row]).encode("cp1252" if number == cp1252_line else "utf-8") for number, row in numbered(rows)]
    warnings: list[str] = []

    assert records(codecs.BOM_UTF8 + b"".join(lines), warnings) == numbered(rows)
    assert len(warnings) == 1
    assert f"(first at line {cp1252_line})" in warnings[0]


def test_open_sheets_passes_the_mixed_encoding_warning_on():
    data = csv_text([HEADERS, LEADS[3]]).encode("utf-8") + csv_text([LEADS[1]]).encode("cp1252")
    warnings: list[str] = []

    [sheet] = open_sheets(io.BytesIO(data), "leads.csv", warn=warnings.append)

    assert list(sheet.rows) == numbered([LEADS[3], LEADS[1]], 2)
    assert len(warnings) == 1
    assert "(first at line 3)" in warnings[0]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_pure_utf8_and_pure_cp1252_read_as_before_without_warning(encoding):
    warnings: list[str] = []

    rows = records(csv_text([HEADERS, *LEADS]).encode(encoding), warnings)

    assert rows == numbered([HEADERS, *LEADS])
    assert warnings == []


# --- malformed records ----------------------------------------------------------------------------


def lead_rows(count: int) -> list[list[str]]:
    return [[f"Name {n}", f"name{n}@example.com", f"555-{n:04}", "Acme"] for n in range(1, count + 1)]


@pytest.mark.parametrize("count", [100, 10 * _MAX_RECORD_LINES], ids=["open-until-end-of-file", "open-past-bound"])
def test_an_unterminated_quote_loses_only_its_own_record(count):
    lines = [",".join(row) for row in lead_rows(count)]
    lines[2] = 'Name 3,"name3@example.com,555-0003,Acme'

    rows = records(("\n".join(lines) + "\n").encode())

    assert len(rows) == count
    assert rows[2] == (3, ["Name 3", "name3@example.com,555-0003,Acme"])
    assert rows[:2] + rows[3:] == [(n, row) for n, row in numbered(lead_rows(count)) if n != 3]


def test_an_unterminated_quote_on_the_last_line_keeps_the_line_without_its_line_end():
    data = csv_text([HEADERS, LEADS[0]]).encode() + b'Jane,"jane@example.com,Acme\r\n'
    assert records(data)[-1] == (3, ["Jane", "jane@example.com,Acme"])


def test_a_stray_quote_closed_by_a_quote_followed_by_text_is_a_record_of_its_own_line():
    """The next quote in the file opens a field of a later line, so text follows it: not a closing quote."""
    data = csv_text(
        [HEADERS, ["Jane", '"jane@example.com', "", "Acme"], ['"Roe, Rick"', "rick@example.com", "", '"Beta, Inc."']]
    ).encode()

    assert records(data) == numbered(
        [HEADERS, ["Jane", "jane@example.com,,Acme"], ["Roe, Rick", "rick@example.com", "", "Beta, Inc."]]
    )


def test_a_stray_quote_pair_that_closes_properly_reads_as_one_multi_line_cell():
    """Documented limit: it cannot be told from a legitimate multi-line cell, so the two lines make one record."""
    data = b'Name,Email,Notes\nJane,jane@example.com,"Acme\nRick,rick@example.com,Beta"\nAnn,ann@example.com,ok\n'

    assert records(data) == numbered(
        [
            ["Name", "Email", "Notes"],
            ["Jane", "jane@example.com", "Acme\nRick,rick@example.com,Beta"],
            ["Ann", "ann@example.com", "ok"],
        ]
    )


def test_a_quoted_field_may_span_the_bound_but_not_more():
    def notes(line_count: int) -> str:
        return "\n".join(f"note {n}" for n in range(1, line_count + 1))

    within = f'a@example.com,"{notes(_MAX_RECORD_LINES)}"\nb@example.com,next\n'.encode()
    beyond = f'a@example.com,"{notes(_MAX_RECORD_LINES + 1)}"\nb@example.com,next\n'.encode()

    assert records(within) == [(1, ["a@example.com", notes(_MAX_RECORD_LINES)]), (2, ["b@example.com", "next"])]
    rows = records(beyond)
    assert rows[0] == (1, ["a@example.com", "note 1"])
    assert rows[1:3] == [(2, ["note 2"]), (3, ["note 3"])]
    assert rows[-2:] == [
        (_MAX_RECORD_LINES + 1, [f'note {_MAX_RECORD_LINES + 1}"']),
        (_MAX_RECORD_LINES + 2, ["b@example.com", "next"]),
    ]


def test_many_stray_quotes_read_in_linear_time():
    lines = [f'Name {n},"name{n}@example.com,Acme' for n in range(20_000)]

    started = time.perf_counter()
    rows = records(("\n".join(lines) + "\n").encode())

    assert time.perf_counter() - started < 2  # a loose sanity bound, not a benchmark
    assert rows == [(n + 1, [f"Name {n}", f"name{n}@example.com,Acme"]) for n in range(20_000)]


def test_lines_crafted_to_reopen_a_quote_each_still_read_in_linear_time():
    """Each line closes the previous line's quote and opens another: each would start a record up to the bound."""
    lines = [f'a{n}",x,"' for n in range(50_000)]

    started = time.perf_counter()
    rows = records(("\n".join(lines) + "\n").encode())

    assert time.perf_counter() - started < 2  # a loose sanity bound, not a benchmark
    assert len(rows) == 50_000
    assert rows[-1] == (50_000, ['a49999"', "x", ""])


def test_multi_line_cells_and_escaped_quotes_still_work():
    data = (
        b"Email,Address,Notes\r\n"
        b'a@example.com,"1 Main St\r\nSpringfield\r\nUSA","She said ""call me"", twice"\r\n'
        b'b@example.com,"",""""\r\n'
        b'c@example.com,"4 Elm St\nFloor ""2""",plain\r\n'
    )

    assert records(data) == numbered(
        [
            ["Email", "Address", "Notes"],
            ["a@example.com", "1 Main St\r\nSpringfield\r\nUSA", 'She said "call me", twice'],
            ["b@example.com", "", '"'],
            ["c@example.com", '4 Elm St\nFloor "2"', "plain"],
        ]
    )


@pytest.mark.parametrize("last_line_encoding", ["utf-8", "cp1252"], ids=["utf-8", "utf-8-and-cp1252"])
def test_a_crlf_split_across_chunks_ends_one_line(last_line_encoding):
    head = "Email,Notes é\r\n".encode() + b"a@example.com,x\r\n" * 3000 + b"b@example.com,"
    data = head + b"y" * (65535 - len(head)) + b"\r\n" + "c@example.com,é\r\n".encode(last_line_encoding)
    assert data[65535:65537] == b"\r\n"  # the CR ends the first 64 KB chunk, the LF starts the next

    warnings: list[str] = []

    rows = records(data, warnings)

    assert [number for number, _ in rows] == list(range(1, 3004))
    assert rows[-2:] == [(3002, ["b@example.com", "y" * (65535 - len(head))]), (3003, ["c@example.com", "é"])]
    assert all("(first at line 3003)" in warning for warning in warnings)
    assert len(warnings) == (1 if last_line_encoding == "cp1252" else 0)


def test_a_line_longer_than_the_bound_is_cut_and_the_next_lines_are_read():
    data = b"Email,Notes\r\na@example.com," + b"n" * (3 * _MAX_LINE_CHARS) + b"\r\nb@example.com,short\r\n"

    rows = records(data)

    assert rows[0] == (1, ["Email", "Notes"])
    assert rows[1][0] == 2
    assert rows[1][1][1] == "n" * (_MAX_LINE_CHARS - len("a@example.com,"))
    assert rows[2:] == [(3, ["b@example.com", "short"])]


def test_a_quoted_field_over_a_megabyte_is_taken_for_a_stray_quote():
    long_lines = "\n".join("n" * 100_000 for _ in range(20))
    data = f'Email,Notes\na@example.com,"{long_lines}"\nb@example.com,short\n'.encode()

    rows = records(data)

    assert rows[1] == (2, ["a@example.com", "n" * 100_000])
    assert rows[-1] == (22, ["b@example.com", "short"])
    assert all(len(cells) == 1 for _, cells in rows[2:-1])
