"""Workbooks are read in a bounded child process: every hostile workbook becomes a clear refusal, and
this process survives each one (the files are made by tests/support/hostile_files.py)."""

from __future__ import annotations

import resource

import pytest
from easycrm.errors import UnreadableFile
from easycrm.importing import workbook_reader
from easycrm.importing.spreadsheet import open_sheets
from easycrm.importing.workbook_process import sheet_labels

from tests.support import hostile_files


def read(path):
    with open(path, "rb") as file:
        return [(sheet.name, list(sheet.rows)) for sheet in open_sheets(file, path.name)]


def refusal(path) -> str:
    with pytest.raises(UnreadableFile) as error:
        read(path)
    return str(error.value)


@pytest.mark.parametrize(
    ("maker", "extension", "expected"),
    [
        (hostile_files.sparse_extent_xlsx, ".xlsx", "spans A1:XFD1048576 (17,179,869,184 cells)"),
        (hostile_files.sparse_extent_lying_xlsx, ".xlsx", "needs more memory to open than Easy CRM allows"),
        (hostile_files.zip_bomb_xlsx, ".xlsx", "expands to 400 MB when opened"),
        (hostile_files.many_sheets_xlsx, ".xlsx", "has 5,600 worksheets; Easy CRM reads workbooks of up to 500"),
        (hostile_files.panicking_xls, ".xls", "This file is not a valid Excel workbook"),
        (hostile_files.damaged_second_sheet_xlsx, ".xlsx", "worksheet 'Cut Short' is damaged"),
        (hostile_files.truncated_xlsx, ".xlsx", "This file is not a valid Excel workbook."),
        (hostile_files.html_disguised_xls, ".xls", "This file is not a valid Excel workbook."),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_hostile_workbooks_are_refused_in_words_and_this_process_survives(tmp_path, maker, extension, expected):
    path = maker(tmp_path / f"hostile{extension}")
    assert expected in refusal(path)
    # this process never loaded calamine; its memory stayed small whatever the child tried
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 1024 * 1024  # KB: under 1 GB


def test_the_panicking_xls_panics_calamine_in_the_child_not_here(tmp_path):
    import sys

    assert "python_calamine" not in sys.modules or not hasattr(sys.modules["python_calamine"], "__panicked__")
    path = hostile_files.panicking_xls(tmp_path / "panic.xls")
    assert refusal(path).startswith("This file is not a valid Excel workbook")


def test_sheets_with_one_name_or_none_are_read_apart(tmp_path):
    duplicate = read(hostile_files.duplicate_sheet_names_xlsx(tmp_path / "dup.xlsx"))
    assert [(name, len(rows)) for name, rows in duplicate] == [("Leads", 10), ("Leads (2)", 15)]
    assert duplicate[0][1][0][1] != duplicate[1][1][0][1]  # the second sheet's own rows, not the first's
    assert [name for name, _ in read(hostile_files.empty_sheet_name_xlsx(tmp_path / "blank.xlsx"))] == ["Sheet 1"]


@pytest.mark.parametrize(
    ("names", "labels"),
    [
        (["Leads", "Leads", "Leads"], ["Leads", "Leads (2)", "Leads (3)"]),
        (["", "  ", "Sheet 1"], ["Sheet 1", "Sheet 2", "Sheet 1 (2)"]),
        (["Leads (2)", "Leads", "Leads"], ["Leads (2)", "Leads", "Leads (3)"]),
    ],
)
def test_sheet_labels_are_unique_and_never_blank(names, labels):
    assert sheet_labels(names) == labels


def test_a_giant_cell_is_cut_in_the_child(tmp_path):
    [(_, rows)] = read(hostile_files.giant_cell_xlsx(tmp_path / "giant.xlsx"))
    assert max(len(cell) for _, cells in rows for cell in cells) == 10_000


def test_rows_stay_readable_when_the_caller_moves_on_before_finishing_a_sheet(tmp_path):
    path = hostile_files.duplicate_sheet_names_xlsx(tmp_path / "dup.xlsx")
    with open(path, "rb") as file:
        sheets = list(open_sheets(file, path.name))  # both sheets taken before any row is read
    assert [len(list(sheet.rows)) for sheet in sheets] == [10, 15]


def test_a_workbook_that_reads_too_long_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook_reader, "CHILD_WALL_SECONDS", 1)
    path = hostile_files.repeated_rows_ods(tmp_path / "repeated.ods")  # a million rows from 835 bytes
    assert "took more than" in refusal(path)
