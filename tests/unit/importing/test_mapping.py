"""A sheet's mapping from its headers and its values (importing.mapping, importing.profiling), on files
written here the way other products write them, and applying it to a row."""

from __future__ import annotations

import pytest
from easycrm.importing.mapping import (
    apply_mapping,
    header_signature,
    message_mapping,
    propose_columns,
)
from easycrm.importing.profiling import profile_column
from easycrm.importing.spreadsheet import Sheet, open_sheets
from easycrm.importing.standardize import standardize_row

from tests.support.workbooks import write_csv, write_xlsx

PEOPLE = [
    ("Jane", "Doe", "jane.doe@example.com", "+1 415 555 0100", "Acme Corp"),
    ("Omar", "Haddad", "omar@haddad.example", "+1 212 555 0199", "Globex Inc"),
    ("Li", "Wei", "li.wei@example.org", "+1 646 555 0123", "Initech LLC"),
    ("Ana", "Souza", "ana@souza.example", "+1 303 555 0147", "Umbrella Group"),
]


def only_sheet(path) -> Sheet:
    with open(path, "rb") as file:
        [sheet] = list(open_sheets(file, path.name))
    # The rows are read lazily from the open file: keep them, as the splitter does while it reads.
    sheet.rows = iter(list(sheet.rows))
    return sheet


def decide(sheet: Sheet):
    return propose_columns(sheet.headers, [cells for _, cells in sheet.sample])


def fields(decisions) -> dict[str, str | None]:
    return {decision.header or f"#{decision.index}": decision.field for decision in decisions}


def imported_emails(sheet: Sheet) -> list[str]:
    mapping, dropped = message_mapping(decide(sheet))
    leads = [standardize_row(apply_mapping(mapping, sheet.headers, cells, dropped)).lead for _, cells in sheet.rows]
    return [lead["email"] for lead in leads if lead and "email" in lead]


# --- content decides ---------------------------------------------------------------------------


def test_emails_under_an_unrelated_header_are_the_email_column(tmp_path):
    rows = [["Display Name", "EmailID", "Status"]] + [
        [f"{first} {last}", e, "Active"] for first, last, e, _, _ in PEOPLE
    ]
    sheet = only_sheet(write_csv(tmp_path / "zoho-books.csv", rows))
    decisions = decide(sheet)
    [email] = [decision for decision in decisions if decision.header == "EmailID"]
    assert (email.field, email.reason) == ("email", "content")
    assert email.confidence >= 0.9
    assert email.samples == [person[2] for person in PEOPLE]
    assert imported_emails(sheet) == [person[2] for person in PEOPLE]


def test_of_three_email_columns_the_filled_one_ranks_first_and_every_row_gets_its_address(tmp_path):
    rows = [["first_name", "email_work", "email_home", "email_other"]]
    rows += [[first, "", "", email] for first, _, email, _, _ in PEOPLE]
    sheet = only_sheet(write_csv(tmp_path / "atomic.csv", rows))
    mapping, _ = message_mapping(decide(sheet))
    assert mapping["email"][0] == 3
    assert sorted(mapping["email"]) == [1, 2, 3]  # all kept: a later row may fill another one
    assert imported_emails(sheet) == [person[2] for person in PEOPLE]


def test_a_row_takes_the_first_valid_address_and_keeps_the_others_in_notes():
    headers = ["Email", "Email 2"]
    mapping, dropped = message_mapping(propose_columns(headers, [["a@example.com", "b@example.com"]]))
    assert apply_mapping(mapping, headers, ["not an address", "b@example.com"], dropped) == {
        "email": "b@example.com",
        "notes": "Email: not an address",
    }
    assert apply_mapping(mapping, headers, ["a@example.com", "b@example.com"], dropped) == {
        "email": "a@example.com",
        "notes": "Email 2: b@example.com",
    }


def test_a_header_named_like_the_email_but_holding_labels_loses_the_field(tmp_path):
    rows = [["E-mail 1 - Label", "E-mail 1 - Value"]] + [["* Work", email] for _, _, email, _, _ in PEOPLE]
    decisions = decide(only_sheet(write_csv(tmp_path / "google.csv", rows)))
    assert fields(decisions) == {"E-mail 1 - Label": "notes", "E-mail 1 - Value": "email"}
    assert decisions[0].reason == "content"


def test_a_file_without_a_header_row_is_mapped_by_its_values(tmp_path):
    rows = [
        [first, last, f"{first} {last}", "", email, phone, company, ""] for first, last, email, phone, company in PEOPLE
    ]
    sheet = only_sheet(write_csv(tmp_path / "thunderbird.csv", rows))
    assert (sheet.header_row, sheet.headers) == (None, [])
    assert len(sheet.sample) == len(PEOPLE)  # the first row is data, not a header
    decisions = decide(sheet)
    chosen = {decision.field: decision.index for decision in decisions if decision.field != "notes"}
    assert chosen == {"firstName": 0, "lastName": 1, "name": 2, "email": 4, "phone": 5, "company": 6}
    assert {decisions[index].reason for index in chosen.values()} == {"content"}
    assert imported_emails(sheet) == [person[2] for person in PEOPLE]
    assert header_signature(sheet.headers) is None


def test_the_header_is_the_row_before_the_data_when_no_header_is_recognised(tmp_path):
    rows = [["Kontaktliste 2026"], ["Nom", "Courriel électronique personnel", "Numéro"]]
    rows += [[f"{first} {last}", e, p] for first, last, e, p, _ in PEOPLE]
    sheet = only_sheet(write_csv(tmp_path / "titled.csv", rows))
    assert sheet.header_row == 2
    assert imported_emails(sheet) == [person[2] for person in PEOPLE]


@pytest.mark.parametrize(
    ("headers", "names"),
    [
        (["氏名", "メールアドレス", "電話番号", "会社名"], ["佐藤 健", "鈴木 花子", "高橋 翔", "田中 美咲"]),
        (
            ["Имя", "Электронная почта", "Телефон", "Компания"],
            ["Иван Петров", "Анна Смирнова", "Дмитрий Иванов", "Ольга Кузнецова"],
        ),
        (["الاسم", "البريد الإلكتروني", "الهاتف", "الشركة"], ["محمد العلي", "فاطمة حسن", "أحمد الخطيب", "ليلى منصور"]),
    ],
)
def test_headers_in_other_scripts_are_read(tmp_path, headers, names):
    rows = [headers] + [
        [name, email, phone, company] for name, (_, _, email, phone, company) in zip(names, PEOPLE, strict=True)
    ]
    sheet = only_sheet(write_xlsx(tmp_path / "localized.xlsx", {"Contacts": rows}))
    decisions = decide(sheet)
    assert [decision.field for decision in decisions] == ["name", "email", "phone", "company"]
    assert {decision.reason for decision in decisions} == {"header"}
    assert imported_emails(sheet) == [person[2] for person in PEOPLE]


def test_headers_no_rule_knows_still_give_their_emails(tmp_path):
    rows = [["Ηλεκτρονικό ταχυδρομείο", "Όνομα"]] + [[email, f"{first} {last}"] for first, last, email, _, _ in PEOPLE]
    sheet = only_sheet(write_csv(tmp_path / "greek.csv", rows))
    assert sheet.header_row == 1
    assert decide(sheet)[0].reason == "content"
    assert imported_emails(sheet) == [person[2] for person in PEOPLE]


def test_distractor_columns_rank_below_the_persons_own(tmp_path):
    rows = [["Name", "Mum email", "Email", "Billing Phone", "Phone"]]
    rows += [
        [f"{first} {last}", f"mum.{index}@example.net", email, "+1 800 555 0100", phone]
        for index, (first, last, email, phone, _) in enumerate(PEOPLE)
    ]
    decisions = decide(only_sheet(write_csv(tmp_path / "family.csv", rows)))
    mapping, _ = message_mapping(decisions)
    assert mapping["email"] == [2] and mapping["phone"] == [4]
    by_header = {decision.header: decision for decision in decisions}
    assert by_header["Email"].confidence > by_header["Mum email"].confidence
    assert by_header["Phone"].confidence > by_header["Billing Phone"].confidence
    assert by_header["Mum email"].field == "notes"


def test_phones_excel_stored_as_numbers_are_recognised(tmp_path):
    rows = [["Contact", "Kontakt Nr"]] + [
        [f"{first} {last}", int(phone.replace(" ", "")[2:])] for first, last, _, phone, _ in PEOPLE
    ]
    sheet = only_sheet(write_xlsx(tmp_path / "numbers.xlsx", {"Leads": rows}))
    decisions = decide(sheet)
    assert decisions[1].samples[0] == "4155550100"
    assert (decisions[1].field, decisions[1].reason) == ("phone", "content")
    mapping, dropped = message_mapping(decisions)
    leads = [standardize_row(apply_mapping(mapping, sheet.headers, cells, dropped)).lead for _, cells in sheet.rows]
    assert [lead["phone"] for lead in leads] == [person[3].replace(" ", "") for person in PEOPLE]


def test_a_salutation_is_no_country_and_an_id_is_no_phone():
    profile = profile_column(["Mr.", "Ms.", "Dr.", "Mrs."])
    assert profile.country == 0
    decisions = propose_columns(["Salutation", "id"], [["Mr.", "1"], ["Ms.", "2"], ["Dr.", "3"]])
    assert [decision.field for decision in decisions] == ["notes", "notes"]


def test_every_decision_has_a_reason_a_confidence_and_at_most_five_samples():
    rows = [[f"lead{index}@example.com", f"Note {index}"] for index in range(20)]
    decisions = propose_columns(["Email", "Remarks"], rows)
    for decision in decisions:
        document = decision.to_json()
        assert set(document) == {"index", "header", "field", "confidence", "reason", "samples"}
        assert 0 <= document["confidence"] <= 1 and document["reason"] in ("header", "content", "saved", "llm")
        assert len(document["samples"]) == 5


def test_a_saved_mapping_decides_every_column_it_names():
    decisions = propose_columns(["Email", "Note"], [["a@example.com", "x"]], saved={0: "email", 1: None})
    assert [(decision.field, decision.reason, decision.confidence) for decision in decisions] == [
        ("email", "saved", 1.0),
        (None, "saved", 1.0),
    ]
    mapping, dropped = message_mapping(decisions)
    assert (mapping, dropped) == ({"email": [0]}, [1])


def test_the_header_signature_ignores_case_accents_and_trailing_empty_columns():
    assert header_signature(["E-mail", "Téléphone", ""]) == header_signature(["e mail", "TELEPHONE"])
    assert header_signature(["Email", "Phone"]) != header_signature(["Phone", "Email"])
    assert header_signature(["", ""]) is None


def test_a_wide_survey_is_profiled_within_its_budget():
    headers = [f"Q{number}" for number in range(5000)] + ["Email"]
    rows = [[str(number % 7) for number in range(5000)] + [f"r{row}@example.com"] for row in range(200)]
    decisions = propose_columns(headers, rows)
    assert decisions[-1].field == "email"


# --- applying a mapping to a row ----------------------------------------------------------------


def header_mapping(headers: list[str]) -> dict[str, list[int]]:
    return message_mapping(propose_columns(headers, []))[0]


def test_apply_mapping_takes_the_first_non_empty_column():
    headers = ["Mobile", "Work phone", "Email"]
    mapping = header_mapping(headers)
    assert apply_mapping(mapping, headers, ["", "+1 415 555 0100", "a@b.co"]) == {
        "phone": "+1 415 555 0100",
        "email": "a@b.co",
    }


def test_apply_mapping_keeps_unused_values_in_notes():
    headers = ["Name", "Mobile", "Work phone", "Notes", "Booth", ""]
    mapping = header_mapping(headers)
    values = apply_mapping(mapping, headers, ["Jane", "0151 2345678", "030 123456", "Met at booth", "B12", "VIP"])
    assert values == {
        "name": "Jane",
        "phone": "0151 2345678",
        "notes": "Met at booth; Work phone: 030 123456; Booth: B12; Column 6: VIP",
    }


def test_apply_mapping_handles_short_and_long_rows():
    headers = ["Email", "Name"]
    mapping = header_mapping(headers)
    assert apply_mapping(mapping, headers, ["a@b.co"]) == {"email": "a@b.co"}
    assert apply_mapping(mapping, headers, ["a@b.co", " Jane ", "", "extra"]) == {
        "email": "a@b.co",
        "name": "Jane",
        "notes": "Column 4: extra",
    }


def test_apply_mapping_ignores_whitespace_only_cells():
    headers = ["Email", "Country"]
    assert apply_mapping(header_mapping(headers), headers, ["   ", "\t"]) == {}


def test_apply_mapping_leaves_out_the_dropped_columns():
    headers = ["Email", "Internal id", "Booth"]
    assert apply_mapping({"email": [0]}, headers, ["a@b.co", "X-17", "B12"], dropped=[1]) == {
        "email": "a@b.co",
        "notes": "Booth: B12",
    }


def test_a_second_email_column_with_an_unknown_word_is_kept_when_its_values_are_addresses():
    """Pipedrive writes "Person - Email - Work" and "Person - Email - Home": a person's own two columns."""
    headers = ["Person - Name", "Email - Work", "Email - Private Mailbox"]
    rows = [["Ana Souza", "", "ana@souza.example"], ["Li Wei", "li@example.org", ""], ["Jo Kim", "", "jo@kim.example"]]
    mapping, _ = message_mapping(propose_columns(headers, rows))
    assert sorted(mapping["email"]) == [1, 2]
    assert apply_mapping(mapping, headers, rows[0])["email"] == "ana@souza.example"


def test_the_sellers_side_is_never_the_leads_email_even_when_its_values_are_addresses():
    headers = ["Work Email", "Lead Owner", "Owner Email", "Created By Email"]
    rows = [[f"p{n}@acme.example", "Sam", "sam@ourco.example", "admin@ourco.example"] for n in range(5)]
    decisions = propose_columns(headers, rows)
    assert [decision.field for decision in decisions] == ["email", "notes", "notes", "notes"]
    assert message_mapping(decisions)[0] == {"email": [0]}


def test_short_codes_are_no_countries_without_a_header_saying_so():
    headers = ["State", "Department", "Opt-in", "Land"]
    rows = [["CA", "IT", "Y", "DE"], ["NY", "HR", "N", "FR"], ["MA", "IT", "Y", "IT"]]
    assert [decision.field for decision in propose_columns(headers, rows)] == ["notes", "notes", "notes", "country"]
    names = propose_columns(["Where"], [["Deutschland"], ["United States"], ["France"]])
    assert (names[0].field, names[0].reason) == ("country", "content")
