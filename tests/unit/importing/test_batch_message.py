import json

import pytest
from easycrm.importing.batch_message import (
    MAX_CELL_CHARS,
    MAX_ROW_BYTES,
    MESSAGE_VERSION,
    BatchMessage,
    InvalidBatchMessage,
    chunk_rows,
    encoded_size,
    trim_cells,
    trim_headers,
)


def make_message(**changes) -> BatchMessage:
    values = {
        "upload_id": "7c9e6679742540de944be07fc1f90ae7",
        "batch_index": 3,
        "file_name": "Messe München.xlsx",
        "worksheet": "Kontakte",
        "headers": ["Name", "E-mail", "Mobile"],
        "mapping": {"name": [0], "email": [1], "phone": [2]},
        "rows": [(2, ["Jane Doe", "jane@example.com", "+1 415 555 0134"]), (3, ["Max", "", ""])],
    }
    return BatchMessage(**{**values, **changes})


def valid_body() -> dict:
    return make_message().to_body()


@pytest.mark.parametrize(
    "message",
    [
        make_message(),
        make_message(worksheet=None),
        make_message(rows=[(2, ["a", "b", "c"]), (3, None), (4, ["", "", ""])]),
        make_message(mapping={"name": [0, 1]}, headers=["Vorname", "Nachname"], rows=[]),
    ],
)
def test_message_survives_the_trip_through_sqs(message):
    body = json.loads(json.dumps(message.to_body()))
    assert BatchMessage.from_body(body) == message


def test_body_is_versioned_and_keeps_the_oversized_row_marker():
    body = make_message(worksheet=None, rows=[(9, None)]).to_body()
    assert body["v"] == MESSAGE_VERSION
    assert body["worksheet"] is None
    assert body["rows"] == [[9, None]]


def test_message_ids_differ_per_batch():
    assert make_message(batch_index=0).message_id != make_message(batch_index=1).message_id


def test_missing_worksheet_key_means_a_csv_file():
    body = valid_body()
    del body["worksheet"]
    assert BatchMessage.from_body(body).worksheet is None


@pytest.mark.parametrize("version", [0, 2, "1", None])
def test_other_versions_are_rejected(version):
    with pytest.raises(InvalidBatchMessage, match="version"):
        BatchMessage.from_body({**valid_body(), "v": version})


@pytest.mark.parametrize("key", ["v", "uploadId", "batchIndex", "fileName", "headers", "mapping", "rows"])
def test_missing_keys_are_rejected(key):
    body = valid_body()
    del body[key]
    with pytest.raises(InvalidBatchMessage):
        BatchMessage.from_body(body)


@pytest.mark.parametrize(
    "changes",
    [
        {"batchIndex": "first"},
        {"batchIndex": None},
        {"headers": None},
        {"mapping": {"email": ["B"]}},
        {"mapping": {"email": None}},
        {"rows": None},
        {"rows": [[2]]},
        {"rows": [["two", ["a"]]]},
        {"rows": [[2, 5]]},
    ],
)
def test_wrong_types_are_rejected(changes):
    with pytest.raises(InvalidBatchMessage):
        BatchMessage.from_body({**valid_body(), **changes})


@pytest.mark.parametrize("body", [None, "text", [1, 2], 42])
def test_a_body_that_is_not_an_object_is_rejected(body):
    with pytest.raises(InvalidBatchMessage):
        BatchMessage.from_body(body)


def test_a_mapping_that_is_not_an_object_is_rejected():
    with pytest.raises(InvalidBatchMessage):
        BatchMessage.from_body({**valid_body(), "mapping": [[0]]})


def test_trim_cells_leaves_ordinary_rows_alone():
    cells = ["Jane", "", "jane@example.com", "Zoë Ünal 見本"]
    assert trim_cells(cells) == cells
    assert trim_cells([]) == []


def test_trim_cells_cuts_long_cells_to_the_limit_keeping_their_start():
    long_cell = "abc" + "x" * (3 * MAX_CELL_CHARS)
    cells = [long_cell, "short"]
    trimmed = trim_cells(cells)
    assert trimmed == [long_cell[:MAX_CELL_CHARS], "short"]
    assert len(trimmed[0]) == MAX_CELL_CHARS
    assert cells[0] is long_cell  # the caller's list is not modified


def test_a_single_huge_cell_is_cut_before_the_row_size_is_checked():
    assert trim_cells(["y" * 1_000_000]) == ["y" * MAX_CELL_CHARS]


def test_row_size_limit_counts_the_json_encoded_bytes():
    quotes = ['"' * 9_000] * 3  # 27,000 characters, but every quote is escaped to two bytes in JSON
    assert trim_cells(quotes[:2]) is not None
    assert trim_cells(quotes + quotes[:1]) is None
    assert encoded_size(quotes) > 2 * sum(len(cell) for cell in quotes)


def test_multi_byte_characters_count_in_bytes_not_characters():
    euro = "€" * MAX_CELL_CHARS  # 10,000 characters, 30,000 bytes
    assert trim_cells([euro, euro]) == [euro, euro]  # 60,000 bytes (+ JSON punctuation)
    assert trim_cells([euro, euro, euro]) is None  # 30,000 characters but 90,000 bytes
    emoji = "📇" * (MAX_ROW_BYTES // 4 + 1)  # 16,001 characters, cut to 10,000 = 40,000 bytes
    assert trim_cells([emoji]) == ["📇" * MAX_CELL_CHARS]


@pytest.mark.parametrize("cell_chars", [10, 3_000, MAX_CELL_CHARS])
def test_chunks_of_accepted_rows_always_fit_in_one_sqs_message(cell_chars):
    from easycrm.adapters.batch_queue import MAX_REQUEST_BYTES

    row = trim_cells(['"' * cell_chars] * 3)  # escaped quotes: the worst case for JSON size
    assert row is not None
    rows = [(number, row) for number in range(2, 40)]
    headers = trim_headers(["h" * 5_000] * 50)
    chunks = list(chunk_rows(rows, max_rows=10))
    assert [row for chunk in chunks for row in chunk] == rows  # every row, in order, once
    for chunk in chunks:
        assert len(chunk) <= 10
        message = make_message(rows=chunk, headers=headers)
        text = json.dumps(message.to_body(), ensure_ascii=False, separators=(",", ":"))
        assert len(text.encode("utf-8")) <= MAX_REQUEST_BYTES
    if cell_chars == 10:
        assert [len(chunk) for chunk in chunks] == [10, 10, 10, 8]  # small rows: cut by count only
    else:
        assert len(chunks) > 4  # big rows: cut by size before the count is reached


def test_an_oversized_row_travels_alone_as_a_marker():
    chunks = list(chunk_rows([(2, ["a"]), (3, None), (4, ["b"])], max_rows=10))
    assert chunks == [[(2, ["a"]), (3, None), (4, ["b"])]]
