"""clean_file_name only: start_upload needs AWS and is covered by the integration tests."""

import unicodedata

import pytest
from easycrm.errors import InvalidInput
from easycrm.http.errors import status_for
from easycrm.uploads.start import MAX_FILE_NAME_CHARS, clean_file_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("leads.csv", "leads.csv"),
        ("  Trade Show Leads.xlsx  ", "Trade Show Leads.xlsx"),
        ("../../x.csv", "x.csv"),
        ("/etc/passwd", "passwd"),
        ("C:\\Users\\me\\leads.xlsx", "leads.xlsx"),
        ("..\\..\\windows\\leads.xls", "leads.xls"),
        ("a/b\\c/d.csv", "d.csv"),
        ("lea\x00ds\r\n.csv", "leads.csv"),
        ("tab\tname\x7f.csv", "tabname.csv"),
        (".hidden.csv", "hidden.csv"),
        ("...csv", "csv"),
        ("Kontakte (Messe München).xlsx", "Kontakte (Messe München).xlsx"),
    ],
)
def test_clean_file_name(raw, expected):
    assert clean_file_name(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "\t\n", None, 42, b"leads.csv", ["leads.csv"], "uploads/", "../..", "\x00\x01"]
)
def test_unusable_names_are_rejected_with_a_400(raw):
    with pytest.raises(InvalidInput) as caught:
        clean_file_name(raw)
    assert status_for(caught.value) == 400
    assert caught.value.code == "INVALID_FILE_NAME"
    assert caught.value.message


def test_names_are_nfc_normalized():
    decomposed = "Cafe\u0301 Mu\u0308ller.csv"
    cleaned = clean_file_name(decomposed)
    assert cleaned == "Café Müller.csv"
    assert unicodedata.is_normalized("NFC", cleaned)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_long_names_are_cut_to_the_limit_keeping_the_extension(extension):
    cleaned = clean_file_name("n" * 500 + "." + extension)
    assert len(cleaned) == MAX_FILE_NAME_CHARS
    assert cleaned.endswith("n." + extension)


def test_a_name_at_the_limit_is_kept_whole():
    name = "n" * (MAX_FILE_NAME_CHARS - 4) + ".csv"
    assert clean_file_name(name) == name


def test_only_the_last_dot_marks_the_extension_when_cutting():
    cleaned = clean_file_name("report.2024." + "q" * 300 + ".xlsx")
    assert cleaned.startswith("report.2024.qq")
    assert cleaned.endswith("q.xlsx")
    assert len(cleaned) == MAX_FILE_NAME_CHARS


def test_a_long_name_without_extension_is_cut_too():
    assert len(clean_file_name("n" * 500)) <= MAX_FILE_NAME_CHARS


def test_a_very_long_extension_still_gives_a_bounded_visible_name():
    cleaned = clean_file_name("a." + "e" * 300)
    assert len(cleaned) <= MAX_FILE_NAME_CHARS
    assert not cleaned.startswith(".")
