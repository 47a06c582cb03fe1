import json

import pytest
from easycrm.importing.columns import find_header_row, normalize_header
from easycrm.importing.mapping import message_mapping, propose_columns


def map_headers(headers: list[str]) -> dict[str, list[int]]:
    """The mapping a sheet gets from its headers alone (no data row to weigh them against)."""
    mapping, dropped = message_mapping(propose_columns(headers, []))
    assert dropped == []
    return mapping


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("E-mail Address", "email address"),
        ("  Téléphone ", "telephone"),
        ("E-Mail-Adresse", "email adresse"),
        ("Country/Region", "country region"),
        ("Apellido(s)", "apellido s"),
        ("JOB_TITLE", "job title"),
        ("", ""),
        ("Электронная  почта", "электронная почта"),
        ("メールアドレス", "メールアドレス"),
        ("البريد الإلكتروني", "البريد الالكتروني"),
    ],
)
def test_normalize_header_keeps_lowercase_words_of_any_script_without_accents(text, expected):
    assert normalize_header(text) == expected


@pytest.mark.parametrize(
    ("field", "headers"),
    [
        ("email", ["E-mail Address", "Email", "Mail", "Courriel", "Correo electrónico", "E-Mail-Adresse", "EMAIL "]),
        (
            "phone",
            ["Mobile", "Cell", "Tel.", "Telephone", "Phone Number", "Telefon", "Handy", "Téléphone", "Teléfono"],
        ),
        (
            "company",
            ["Organisation", "Organization", "Company Name", "Account", "Firma", "Unternehmen", "Société", "Empresa"],
        ),
        ("company", ["Entreprise", "Nom de l'entreprise", "Nombre de la empresa"]),
        ("title", ["Position", "Job Title", "Role", "Titel", "Poste", "Cargo"]),
        ("firstName", ["Vorname", "First Name", "Given name", "Prénom", "Nombre", "first_name"]),
        ("lastName", ["Nachname", "Surname", "Last Name", "Family name", "Nom", "Apellido(s)", "Apellidos"]),
        ("name", ["Full Name", "Name", "Contact", "Contact Name"]),
        ("industry", ["Industry", "Sector", "Branche", "Secteur", "Industria"]),
        ("source", ["Source", "Lead Source", "Channel", "Quelle", "Origine", "Fuente"]),
        ("country", ["Country", "Land", "Pays", "País", "Country/Region"]),
        ("notes", ["Notes", "Comments", "Remarks", "Bemerkungen", "Notizen", "Commentaires"]),
        ("email", ["Электронная почта", "メールアドレス", "メール", "البريد الإلكتروني"]),
        ("phone", ["Телефон", "電話番号", "携帯電話", "الهاتف"]),
        ("name", ["ФИО", "Имя", "氏名", "名前", "الاسم"]),
        ("company", ["Компания", "会社名", "الشركة"]),
    ],
)
def test_headers_are_recognized_by_meaning_in_several_languages(field, headers):
    for header in headers:
        assert map_headers([header]) == {field: [0]}, header


def test_a_typical_export_maps_every_column():
    headers = ["First Name", "Last Name", "E-mail Address", "Mobile", "Organisation", "Position", "Country"]
    assert map_headers(headers) == {
        "firstName": [0],
        "lastName": [1],
        "email": [2],
        "phone": [3],
        "company": [4],
        "title": [5],
        "country": [6],
    }


def test_german_partner_list_maps_every_column():
    headers = ["Vorname", "Nachname", "E-Mail-Adresse", "Telefon", "Firma", "Position", "Land", "Bemerkungen"]
    assert map_headers(headers) == {
        "firstName": [0],
        "lastName": [1],
        "email": [2],
        "phone": [3],
        "company": [4],
        "title": [5],
        "country": [6],
        "notes": [7],
    }


def test_opt_in_and_size_columns_do_not_take_the_email_and_company_fields():
    mapping = map_headers(["Email opt-in", "Company size", "Email", "Company"])
    assert mapping == {"email": [2], "company": [3]}


def test_opt_in_and_size_columns_are_not_mapped_even_alone():
    assert map_headers(["Email opt-in", "Company size", "Lead status"]) == {}


def test_company_name_is_company_and_contact_email_is_email_not_name():
    assert map_headers(["Company Name", "Contact Email", "Name"]) == {"company": [0], "email": [1], "name": [2]}


def test_two_phone_columns_keep_the_exact_match_first():
    assert map_headers(["Work phone", "Name", "Mobile"]) == {"phone": [2, 0], "name": [1]}


def test_a_weak_second_match_is_left_for_the_notes():
    mapping = map_headers(["Email", "Email of assistant"])
    assert mapping == {"email": [0]}


def test_a_weak_match_is_used_when_nothing_better_exists():
    assert map_headers(["Email of assistant"]) == {"email": [0]}


def test_unknown_and_blank_headers_are_not_mapped():
    assert map_headers(["Favourite colour", "", "Badge scan time"]) == {}


def test_mapping_is_json_serializable():
    mapping = map_headers(["Name", "Email", "Mobile", "Work phone"])
    assert json.loads(json.dumps(mapping)) == mapping


def test_find_header_row_skips_title_rows():
    rows = [
        ["Trade show leads 2026", "", ""],
        ["Exported by Anna", "", ""],
        ["Name", "Email", "Phone"],
        ["Jane Doe", "jane@example.com", "415 555 0100"],
    ]
    assert find_header_row(rows) == 2


def test_find_header_row_prefers_the_row_with_more_recognized_fields():
    rows = [["Contact list"], ["Vorname", "Nachname", "E-Mail", "Firma"], ["Contact", "Email", "Phone", "Company"]]
    assert find_header_row(rows) == 1


def test_find_header_row_picks_the_earliest_of_equal_rows():
    assert find_header_row([["Email", "Phone"], ["Email", "Phone"]]) == 0


def test_find_header_row_returns_none_without_any_header():
    assert find_header_row([["foo", "bar"], ["1", "2"]]) is None
    assert find_header_row([]) is None


def test_distracting_qualifiers_make_a_weak_match_that_stays_in_the_notes():
    assert map_headers(["Mum email", "Email", "Billing Phone", "Phone"]) == {"email": [1], "phone": [3]}


def test_parts_of_a_name_are_not_the_name():
    assert map_headers(["Middle Name", "Nickname", "Phonetic First Name"]) == {}
