import pytest
from easycrm.importing.mapping import apply_mapping, message_mapping, propose_columns
from easycrm.importing.spreadsheet import open_sheets
from easycrm.importing.standardize import (
    clean_text,
    country_to_region,
    normalize_email,
    normalize_name,
    normalize_phone,
    standardize_row,
)
from easycrm.models import FIELD_MAX_LENGTH, LEAD_FIELDS, PHONE_UNPARSEABLE

from tests.support.workbooks import messy_leads, write_xlsx

# --- email ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("mailto:Jane@Example.com", "jane@example.com"),
        ("MAILTO:jane@example.com", "jane@example.com"),
        ("Jane Doe <Jane@Example.com>", "jane@example.com"),
        ("<jane@example.com>", "jane@example.com"),
        ('"jane@example.com"', "jane@example.com"),
        ("jane@example.com;", "jane@example.com"),
        ("jane @ example.com", "jane@example.com"),
        ("jane+leads@mail.example.co.uk", "jane+leads@mail.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
    ],
)
def test_email_is_cleaned_and_lower_cased(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "jane",
        "jane@",
        "@example.com",
        "jane@example",
        "jane@@example.com",
        "jane@doe@example.com",
        "jane@example.c",
        "jane@example.123",
        "jane..doe@example.com",
        ".jane@example.com",
        "jane.@example.com",
        "jane@-example.com",
        "jane@example-.com",
        "jane@exa_mple.com",
        "jane doe@example.com",
        "jane at example dot com",
        "a" * 65 + "@example.com",
        "jane@" + "a" * 250 + ".com",
    ],
)
def test_invalid_emails_are_none(raw):
    assert normalize_email(raw) is None


# --- country and phone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("DE", "DE"),
        ("de", "DE"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("England", "GB"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("France", "FR"),
        ("Frankreich", "FR"),
        ("España", "ES"),
        ("Österreich", "AT"),
        ("Schweiz", "CH"),
        ("Royaume-Uni", "GB"),
        (" netherlands ", "NL"),
        ("Czechia", "CZ"),
    ],
)
def test_country_names_codes_and_aliases_give_a_region(country, region):
    assert country_to_region(country) == region


@pytest.mark.parametrize("country", ["", "  ", "Atlantis", "XX", "Europe"])
def test_unknown_countries_give_no_region(country):
    assert country_to_region(country) is None


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+44 20 7946 0958", None, "+442079460958"),
        ("+44 20 7946 0958", "DE", "+442079460958"),
        ("(415) 555-0100", None, "+14155550100"),
        ("415.555.0100 x12", None, "+14155550100"),
        ("4155550100", None, "+14155550100"),
        ("4155550100.0", None, "+14155550100"),
        ("0049 30 123456", None, "+4930123456"),
        ("0049 30 123456", "DE", "+4930123456"),
        ("030 1234567", "DE", "+49301234567"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("06 12 34 56 78", "FR", "+33612345678"),
    ],
)
def test_phone_becomes_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected


def test_phone_without_region_uses_the_default_region():
    assert normalize_phone("030 1234567", None, default_region="DE") == "+49301234567"
    assert normalize_phone("030 1234567", None) is None  # not a US number


@pytest.mark.parametrize("raw", ["", "call me", "555-1234", "12345", "+49 12", "0000000000", "n/a"])
def test_unusable_phones_are_none(raw):
    assert normalize_phone(raw, "US") is None


def test_a_possible_but_invalid_number_is_rejected():
    # 8 digits is a possible German length, but no German number starts with 1234.
    assert normalize_phone("12345678", "DE") is None


# --- names and text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DOE, JANE", "Jane Doe"),
        ("Doe, Jane", "Jane Doe"),
        ("jane  doe", "Jane Doe"),
        ("  JANE\tDOE \n", "Jane Doe"),
        ("JANE MCDONALD", "Jane McDonald"),
        ("mary o'brien", "Mary O'Brien"),
        ("JEAN-LUC PICARD", "Jean-Luc Picard"),
        ("JAN VAN DER BERG", "Jan van der Berg"),
        ("van der berg", "van der Berg"),
        ("JOHN SMITH III", "John Smith III"),
        ("Jane McDonald", "Jane McDonald"),
        ("Jane van der Berg", "Jane van der Berg"),
        ("John Smith, Jr.", "John Smith, Jr."),
        ("", ""),
    ],
)
def test_names_are_readable(raw, expected):
    assert normalize_name(raw) == expected


def test_clean_text_collapses_whitespace_and_control_characters():
    assert clean_text("  Acme\x00  Corp\r\nGmbH\t ", "company") == "Acme Corp GmbH"


def test_clean_text_caps_a_5000_character_cell():
    capped = clean_text("x" * 5000, "company")
    assert len(capped) == FIELD_MAX_LENGTH["company"]
    assert capped.endswith("…")
    assert capped[:-1] == "x" * (FIELD_MAX_LENGTH["company"] - 1)


def test_clean_text_keeps_text_at_the_limit_whole():
    text = "y" * FIELD_MAX_LENGTH["industry"]
    assert clean_text(text, "industry") == text


# --- whole rows -----------------------------------------------------------------------------------


def test_row_with_every_field_is_standardized():
    result = standardize_row(
        {
            "name": "DOE, JANE",
            "email": " Jane.Doe@Example.com ",
            "phone": "030 1234567",
            "company": " Acme  GmbH ",
            "title": "Head of Sales",
            "industry": "Software",
            "source": "Trade Show",
            "country": "Deutschland",
            "notes": "Met at booth 12",
        }
    )
    assert result.reason is None
    assert result.lead == {
        "name": "Jane Doe",
        "firstName": "Jane",
        "lastName": "Doe",
        "email": "jane.doe@example.com",
        "phone": "+49301234567",
        "company": "Acme GmbH",
        "title": "Head of Sales",
        "industry": "Software",
        "source": "Trade Show",
        "country": "Deutschland",
        "notes": "Met at booth 12",
    }


def test_phone_region_comes_from_the_country_column():
    assert standardize_row({"phone": "020 7946 0958", "country": "UK"}).lead["phone"] == "+442079460958"


def test_phone_region_falls_back_to_the_default_region():
    assert standardize_row({"phone": "(415) 555-0100"}).lead["phone"] == "+14155550100"
    assert standardize_row({"phone": "030 1234567"}, default_region="DE").lead["phone"] == "+49301234567"
    assert standardize_row({"phone": "030 1234567", "country": "Atlantis"}, default_region="DE").lead["phone"] == (
        "+49301234567"
    )


def test_phone_extension_is_kept_in_notes():
    lead = standardize_row({"phone": "415.555.0100 x12"}).lead
    assert lead["phone"] == "+14155550100"
    assert lead["notes"] == "Phone extension: 12"


def test_invalid_email_is_dropped_and_kept_in_notes():
    lead = standardize_row({"email": "jane(at)example.com", "phone": "+44 20 7946 0958", "notes": "VIP"}).lead
    assert "email" not in lead
    assert lead["phone"] == "+442079460958"
    assert lead["notes"] == "VIP; Invalid email: jane(at)example.com"


def test_unparseable_phone_is_na_and_kept_in_notes():
    lead = standardize_row({"email": "jane@example.com", "phone": "ask at booth"}).lead
    assert lead["phone"] == PHONE_UNPARSEABLE
    assert lead["notes"] == "Invalid phone: ask at booth"


def test_row_without_email_or_phone_is_rejected():
    result = standardize_row({"name": "Jane Doe", "company": "Acme"})
    assert result.rejected
    assert result.reason == "No valid email or phone"


def test_rejection_reason_names_the_invalid_values():
    result = standardize_row({"email": "jane@", "phone": "call me"})
    assert result.lead is None
    assert result.reason == "No valid email or phone: invalid email 'jane@', invalid phone 'call me'"


def test_rejection_reason_shortens_huge_values():
    result = standardize_row({"email": "x" * 5000})
    assert result.rejected
    assert len(result.reason) < 150


def test_placeholders_count_as_empty():
    result = standardize_row({"email": "n/a", "phone": "-", "company": "N/A"})
    assert result.reason == "No valid email or phone"
    lead = standardize_row({"email": "jane@example.com", "phone": "N/A", "company": "none"}).lead
    assert lead == {"email": "jane@example.com"}


def test_first_and_last_name_make_the_full_name():
    lead = standardize_row({"firstName": "JANE", "lastName": "DOE", "email": "j@example.com"}).lead
    assert (lead["name"], lead["firstName"], lead["lastName"]) == ("Jane Doe", "Jane", "Doe")


def test_only_a_last_name_is_the_name():
    lead = standardize_row({"lastName": "doe", "email": "j@example.com"}).lead
    assert (lead["name"], lead["lastName"]) == ("Doe", "Doe")
    assert "firstName" not in lead


def test_full_name_is_split_when_no_parts_are_given():
    lead = standardize_row({"name": "Jane van der Berg", "email": "j@example.com"}).lead
    assert (lead["firstName"], lead["lastName"]) == ("Jane", "van der Berg")
    lead = standardize_row({"name": "Mary Ann Smith", "email": "m@example.com"}).lead
    assert (lead["firstName"], lead["lastName"]) == ("Mary Ann", "Smith")
    lead = standardize_row({"name": "Cher", "email": "c@example.com"}).lead
    assert (lead["name"], lead["firstName"]) == ("Cher", "Cher")
    assert "lastName" not in lead


def test_given_name_parts_are_kept_next_to_the_full_name():
    lead = standardize_row({"name": "Dr. Jane Doe", "firstName": "Jane", "email": "j@example.com"}).lead
    assert (lead["name"], lead["firstName"]) == ("Dr. Jane Doe", "Jane")
    assert "lastName" not in lead


def test_a_5000_character_cell_in_every_field_is_capped():
    huge = "word " * 1000
    values = dict.fromkeys(LEAD_FIELDS, huge) | {"email": "jane@example.com", "phone": "+1 415 555 0100"}
    lead = standardize_row(values).lead
    assert lead["email"] == "jane@example.com"
    for field, value in lead.items():
        assert len(value) <= FIELD_MAX_LENGTH[field], field
    assert lead["notes"].endswith("…")


def test_lead_holds_only_non_empty_canonical_text_fields():
    lead = standardize_row({"email": "jane@example.com", "company": "  ", "Booth": "B12"}).lead
    assert lead == {"email": "jane@example.com"}


# --- the rules over a whole messy file ------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_messy_leads_import_as_their_generator_expects(tmp_path, seed):
    expected = messy_leads(2000, seed)
    path = write_xlsx(tmp_path / "messy.xlsx", {"Leads": expected.rows})
    rejected, keys, rows = 0, set(), 0
    with open(path, "rb") as file:
        [sheet] = open_sheets(file, path.name)
        mapping, dropped = message_mapping(propose_columns(sheet.headers, [cells for _, cells in sheet.sample]))
        for _, cells in sheet.rows:
            rows += 1
            result = standardize_row(apply_mapping(mapping, sheet.headers, cells, dropped))
            if result.rejected:
                rejected += 1
            else:
                keys.add(result.lead.get("email") or result.lead["phone"])

    assert rows == expected.data_rows == 2000
    assert expected.blank_rows > 0
    assert rejected == expected.rejected > 0
    assert len(keys) == expected.unique_leads
    assert expected.unique_leads < rows - rejected  # the file does hold duplicates
