"""The one CSV encoder for the export and the rejected-rows report: formulas neutralized per column."""

import csv
import io

import pytest
from easycrm.leads.safe_csv import SafeCsvEncoder, neutralize


@pytest.mark.parametrize(
    ("value", "column", "expected"),
    [
        ('=HYPERLINK("x")', "company", '\'=HYPERLINK("x")'),
        ("@SUM(1)", "name", "'@SUM(1)"),
        ("-5", "notes", "'-5"),
        ("+1 415 555 0100", "notes", "'+1 415 555 0100"),
        ("\tcmd", "title", "'\tcmd"),
        ("\rcmd", "title", "'\rcmd"),
        ("+14155550100", "phone", "+14155550100"),
        ("+14155550100", "notes", "'+14155550100"),
        ("+1415555", "phone", "+1415555"),
        ("+123456", "phone", "'+123456"),  # too short for E.164
        ("+1415555010012345", "phone", "'+1415555010012345"),  # too long
        ("+1 415 555 0100", "phone", "'+1 415 555 0100"),
        ("+1-415=1", "phone", "'+1-415=1"),
        ("Jane = Doe", "name", "Jane = Doe"),
        ("", "name", ""),
    ],
)
def test_formula_cells_are_neutralized(value, column, expected):
    assert neutralize(value, column) == expected


def test_encoder_neutralizes_every_cell_with_its_column_rule():
    encoder = SafeCsvEncoder(("name", "phone", "notes"))
    line = encoder.encode(['=HYPERLINK("http://x")', "+14155550100", "+14155550100"]).decode()
    assert next(csv.reader(io.StringIO(line))) == ['\'=HYPERLINK("http://x")', "+14155550100", "'+14155550100"]
    assert line.endswith("\r\n")


def test_encoder_quotes_cells_beyond_its_columns_and_writes_blanks_for_none():
    line = SafeCsvEncoder(("row",)).encode([7, "@SUM(1)", None]).decode()
    assert next(csv.reader(io.StringIO(line))) == ["7", "'@SUM(1)", ""]


def test_each_line_stands_alone():
    encoder = SafeCsvEncoder()
    assert encoder.encode(["a", "b"]) == b"a,b\r\n"
    assert encoder.encode(["c"]) == b"c\r\n"
