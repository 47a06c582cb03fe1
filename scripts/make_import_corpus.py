"""Write a folder of lead files to import: every hostile file, plus contact exports as real products write them.

    .venv/bin/python scripts/make_import_corpus.py OUT_DIR [--count 300] [--small]
    scripts/easycrm import OUT_DIR --json

The hostile files (tests/support/hostile_files.py) come first, then realistic exports until there
are `count` files: HubSpot, Salesforce reports, Zoho CRM and Books, Atomic CRM, Google Contacts,
Outlook, Thunderbird (no header row), LinkedIn connections (notes above the header), Pipedrive,
Mailchimp, workbooks with title rows, blank "merged" cells, dates and phones stored as numbers,
Japanese/Russian/Arabic headers, European semicolon CSVs, TSV, .xls and .ods, and empty and
header-only files, from a few rows to a few thousand. One seed drives everything, so the same
arguments give the same files (the same bytes, except the timestamps openpyxl and odfpy embed).

`--small` keeps what the pipeline must process short, for CI: realistic files of at most 20 rows,
and the row-multiplying hostile files (5,600 one-lead sheets, a million repeated rows) cut down.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tests.support` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import hostile_files as hostile
from tests.support.workbooks import Cell, messy_lead_rows, write_csv, write_ods, write_xls, write_xlsx

SEED = 20260115
DEFAULT_COUNT = 300
Rows = list[list[Cell]]


@dataclass(frozen=True)
class Scale:
    max_rows: int  # the largest realistic export
    sheets: int  # worksheets in many_sheets_xlsx
    repeated_rows: int  # rows repeated_rows_ods expands to
    survey_rows: int  # respondents in the wide surveys


FULL = Scale(max_rows=3000, sheets=5600, repeated_rows=1_048_575, survey_rows=300)
SMALL = Scale(max_rows=20, sheets=600, repeated_rows=300, survey_rows=60)


# --- Hostile files --------------------------------------------------------------------------------


def hostile_files(scale: Scale) -> dict[str, Callable[[Path], Path]]:
    """File name → generator; the extension is what the importer will judge the file by."""
    return {
        "sparse-extent-honest-dimension.xlsx": hostile.sparse_extent_xlsx,
        "sparse-extent-lying-dimension.xlsx": hostile.sparse_extent_lying_xlsx,
        "sparse-extent-no-dimension.xlsx": partial(hostile.sparse_extent_xlsx, dimension=None),
        "zip-bomb-400mb-cell.xlsx": hostile.zip_bomb_xlsx,
        "panicking-boundsheet.xls": hostile.panicking_xls,
        "damaged-second-sheet.xlsx": hostile.damaged_second_sheet_xlsx,
        "duplicate-sheet-names.xlsx": hostile.duplicate_sheet_names_xlsx,
        "empty-sheet-name.xlsx": hostile.empty_sheet_name_xlsx,
        "unterminated-quote.csv": hostile.unterminated_quote_csv,
        "wide-survey-702-columns.csv": partial(hostile.wide_survey_csv, rows=scale.survey_rows),
        "wide-survey-702-columns.xlsx": partial(hostile.wide_survey_xlsx, rows=scale.survey_rows),
        "mixed-utf8-cp1252.csv": hostile.mixed_encoding_csv,
        "utf16le-no-bom.csv": hostile.utf16_without_bom_csv,
        "utf16be-no-bom.csv": partial(hostile.utf16_without_bom_csv, big_endian=True),
        "utf32le-bom.csv": hostile.utf32_csv,
        "utf32be-bom.csv": partial(hostile.utf32_csv, big_endian=True),
        "utf32le-no-bom.csv": partial(hostile.utf32_csv, bom=False),
        "utf32be-no-bom.csv": partial(hostile.utf32_csv, big_endian=True, bom=False),
        f"many-sheets-{scale.sheets}.xlsx": partial(hostile.many_sheets_xlsx, sheets=scale.sheets),
        "many-zip-members-100000.xlsx": hostile.many_members_xlsx,
        f"repeated-rows-{scale.repeated_rows}.ods": partial(hostile.repeated_rows_ods, repeat=scale.repeated_rows),
        "entity-expansion.xlsx": hostile.entity_expansion_xlsx,
        "truncated.xlsx": hostile.truncated_xlsx,
        "dangling-shared-string.xlsx": hostile.dangling_shared_string_xlsx,
        "html-export-to-excel.xls": hostile.html_disguised_xls,
        "formula-injection.xlsx": hostile.formula_injection_xlsx,
        "formula-injection.csv": hostile.formula_injection_csv,
        "giant-5mb-cell.csv": hostile.giant_cell_csv,
        "giant-5mb-cell.xlsx": hostile.giant_cell_xlsx,
        "50000-columns.csv": hostile.fifty_thousand_columns_csv,
        "nul-byte.csv": hostile.nul_byte_csv,
        "empty.csv": hostile.empty_file,
        "empty.xlsx": hostile.empty_file,
        "bom-only.csv": hostile.bom_only_csv,
        # refused up front by the upload API: an unsupported type, and a file over the 25 MB limit
        "contacts.vcf": _vcard,
        "over-upload-limit-26mb.csv": _oversized_csv,
    }


def _vcard(path: Path) -> Path:
    """Contacts as phones and Apple Contacts export them: a format people drop on any import box."""
    cards = [
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lead {number}\r\nEMAIL;TYPE=WORK:lead{number}@example.com\r\nEND:VCARD\r\n"
        for number in range(1, 6)
    ]
    path.write_text("".join(cards), encoding="utf-8")
    return path


def _oversized_csv(path: Path, megabytes: int = 26) -> Path:
    """One ~26 MB CSV of distinct leads: just over the default upload limit."""
    line = "Lead {0},lead{0}@example.com,+1 415 555 0100,Acme Corp,{1}\r\n"
    padding = "x" * 200
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Name,Email,Phone,Company,Notes\r\n")
        for number in range(megabytes * 2**20 // len(line.format(0, padding)) + 1):
            out.write(line.format(number, padding))
    return path


# --- People ---------------------------------------------------------------------------------------

FIRST = ["Jane", "John", "Maria", "Lukas", "Sophie", "Ahmed", "Chloé", "Sean", "Priya", "Pierre", "Lucía", "Tom"]
LAST = ["Doe", "Smith", "Müller", "O'Brien", "García", "Dubois", "Nguyen", "Rossi", "Patel", "Kowalski", "Novak"]
COMPANIES = ["Acme Corp", "Globex GmbH", "Initech", "Umbrella SA", "Stark Industries", "Hooli", "Vandelay Import"]
TITLES = ["CEO", "Head of Sales", "Marketing Manager", "CTO", "Procurement Lead", "", "Office Manager"]
SOURCES = ["Trade Show", "Webinar", "Website", "Referral", "Partner", "Cold Call"]
CITIES = [("San Francisco", "US"), ("London", "GB"), ("Berlin", "DE"), ("Paris", "FR"), ("Madrid", "ES")]
JAPANESE = [("佐藤", "健"), ("鈴木", "花子"), ("高橋", "翔"), ("田中", "美咲")]
RUSSIAN = [("Иван", "Петров"), ("Анна", "Смирнова"), ("Дмитрий", "Иванов"), ("Ольга", "Кузнецова")]
ARABIC = [("محمد", "العلي"), ("فاطمة", "حسن"), ("أحمد", "الخطيب"), ("ليلى", "منصور")]
BASE_DATE = datetime.datetime(2025, 1, 6, 9, 0)


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone_digits: str  # ten US digits, or a national number for the city's country
    company: str
    title: str
    city: str
    country: str
    source: str
    created: datetime.datetime

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def phone(self, style: str = "us") -> str:
        d = self.phone_digits
        return {
            "us": f"({d[:3]}) {d[3:6]}-{d[6:]}",
            "e164": f"+1{d}",
            "dots": f"{d[:3]}.{d[3:6]}.{d[6:]}",
            "plain": d,
        }[style]


def people(rng: random.Random, count: int) -> list[Person]:
    """`count` contacts; about one in ten repeats an earlier one's email, as real lists do."""
    made: list[Person] = []
    for number in range(count):
        if made and rng.random() < 0.1:
            made.append(rng.choice(made))
            continue
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        domain = company.split()[0].lower() + rng.choice([".com", ".io", ".de", ".co.uk"])
        local = f"{first}.{last}".lower().translate(str.maketrans("éíüá'", "eiua-"))
        city, country = rng.choice(CITIES)
        made.append(
            Person(
                first=first,
                last=last,
                email=f"{local}{number}@{domain}",
                phone_digits=f"415555{rng.randrange(10_000):04d}",
                company=company,
                title=rng.choice(TITLES),
                city=city,
                country=country,
                source=rng.choice(SOURCES),
                created=BASE_DATE + datetime.timedelta(minutes=rng.randrange(500_000)),
            )
        )
    return made


# --- Export shapes: people → rows, as each product writes them --------------------------------------


def columns(names: str) -> list[str]:
    """A header written as one comma-separated string, for legibility."""
    return names.split(", ")


def table(header: list[str], records: Sequence[Mapping[str, Cell]]) -> Rows:
    """The header, then one row per record with its values under their columns ("" elsewhere)."""
    misspelt = {name for record in records for name in record} - set(header)
    if misspelt:
        raise ValueError(f"columns not in the header: {sorted(misspelt)}")
    return [list(header), *([record.get(column, "") for column in header] for record in records)]


def _stamp(moment: datetime.datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return moment.strftime(pattern)


def hubspot(rng: random.Random, contacts: list[Person]) -> Rows:
    header = columns(
        "Record ID, First Name, Last Name, Email, Phone Number, Company Name, Job Title, Lifecycle Stage, "
        "Contact owner, Create Date, Last Activity Date"
    )
    records = [
        {
            "Record ID": str(51_000 + index),
            "First Name": p.first,
            "Last Name": p.last,
            "Email": p.email,
            "Phone Number": p.phone("e164"),
            "Company Name": p.company,
            "Job Title": p.title,
            "Lifecycle Stage": rng.choice(["Lead", "Marketing Qualified Lead", "Subscriber", "Opportunity"]),
            "Contact owner": "Sam Seller",
            "Create Date": _stamp(p.created),
            "Last Activity Date": "" if rng.random() < 0.3 else _stamp(p.created + datetime.timedelta(days=3)),
        }
        for index, p in enumerate(contacts)
    ]
    return table(header, records)


def salesforce_report(rng: random.Random, contacts: list[Person]) -> Rows:
    """A report export: a title block above the header, totals and a legal footer below the data."""
    header = columns(
        "First Name, Last Name, Title, Company / Account, Email, Phone, Lead Source, Lead Status, Rating, Created Date"
    )
    records = [
        {
            "First Name": p.first,
            "Last Name": p.last,
            "Title": p.title,
            "Company / Account": p.company,
            "Email": p.email,
            "Phone": p.phone("us"),
            "Lead Source": p.source,
            "Lead Status": rng.choice(["Open - Not Contacted", "Working - Contacted", "Closed - Not Converted"]),
            "Rating": rng.choice(["Hot", "Warm", "Cold", ""]),
            "Created Date": _stamp(p.created, "%m/%d/%Y"),
        }
        for p in contacts
    ]
    title: Rows = [["Leads by Source"], ["As of 2025-06-30"], ["Filtered By: Lead Status equals Open"], []]
    footer: Rows = [
        [],
        [f"Grand Totals ({len(contacts)} records)"],
        ["Confidential Information - Do Not Distribute"],
        ["Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved."],
    ]
    return [*title, *table(header, records), *footer]


def zoho_crm(rng: random.Random, contacts: list[Person]) -> Rows:
    header = columns(
        "Record Id, Lead Owner, First Name, Last Name, Email, Phone, Mobile, Company, Lead Source, Lead Status, "
        "Created Time"
    )
    records = []
    for index, p in enumerate(contacts):
        on_mobile = rng.random() < 0.5
        records.append(
            {
                "Record Id": f"zcrm_{4_876_000_000_000 + index}",
                "Lead Owner": "Sam Seller",
                "First Name": p.first,
                "Last Name": p.last,
                "Email": p.email,
                "Phone": "" if on_mobile else p.phone("plain"),
                "Mobile": p.phone("e164") if on_mobile else "",
                "Company": p.company,
                "Lead Source": p.source,
                "Lead Status": "Not Contacted",
                "Created Time": _stamp(p.created, "%Y-%m-%d %H:%M:%S"),
            }
        )
    return table(header, records)


def zoho_books(rng: random.Random, contacts: list[Person]) -> Rows:
    """Zoho Books contacts: the address is in an `EmailID` column."""
    header = columns(
        "Display Name, Company Name, Salutation, First Name, Last Name, EmailID, Phone, MobilePhone, Billing City, "
        "Billing Country, Status"
    )
    records = [
        {
            "Display Name": p.name,
            "Company Name": p.company,
            "Salutation": rng.choice(["Mr.", "Ms.", "Dr.", ""]),
            "First Name": p.first,
            "Last Name": p.last,
            "EmailID": p.email,
            "Phone": p.phone("dots"),
            "Billing City": p.city,
            "Billing Country": p.country,
            "Status": "Active",
        }
        for p in contacts
    ]
    return table(header, records)


def atomic_crm(rng: random.Random, contacts: list[Person]) -> Rows:
    """Atomic CRM's contacts export: email_work is empty, the address is in email_other."""
    header = columns(
        "id, first_name, last_name, gender, title, company, email_work, email_home, email_other, phone_work, "
        "phone_home, phone_other, background, first_seen, last_seen, has_newsletter, status, tags, linkedin_url, "
        "sales_id"
    )
    records: list[dict[str, Cell]] = []
    for index, p in enumerate(contacts):
        seen = p.created.isoformat(timespec="milliseconds") + "Z"
        records.append(
            {
                "id": index + 1,
                "first_name": p.first,
                "last_name": p.last,
                "gender": rng.choice(["male", "female", "nonbinary"]),
                "title": p.title,
                "company": p.company,
                "email_other": p.email,
                "phone_other": p.phone("e164"),
                "first_seen": seen,
                "last_seen": seen,
                "has_newsletter": rng.choice(["true", "false"]),
                "status": "warm",
                "tags": "[]",
                "sales_id": rng.randrange(1, 4),
            }
        )
    return table(header, records)


def google_contacts(rng: random.Random, contacts: list[Person]) -> Rows:
    header = columns(
        "First Name, Middle Name, Last Name, Phonetic First Name, Nickname, Birthday, Notes, Labels, "
        "E-mail 1 - Label, E-mail 1 - Value, Phone 1 - Label, Phone 1 - Value, Organization Name, "
        "Organization Title, Address 1 - City, Address 1 - Country"
    )
    labels = ["* myContacts", "* myContacts ::: Customers", "Imported on 1/6/25 ::: * myContacts"]
    records = [
        {
            "First Name": p.first,
            "Last Name": p.last,
            "Labels": rng.choice(labels),
            "E-mail 1 - Label": "* Work",
            "E-mail 1 - Value": p.email,
            "Phone 1 - Label": "Mobile",
            "Phone 1 - Value": p.phone("us"),
            "Organization Name": p.company,
            "Organization Title": p.title,
            "Address 1 - City": p.city,
            "Address 1 - Country": p.country,
        }
        for p in contacts
    ]
    return table(header, records)


OUTLOOK_HEADER = columns(
    "First Name, Middle Name, Last Name, Title, Suffix, Nickname, Given Yomi, Surname Yomi, E-mail Address, "
    "E-mail 2 Address, E-mail 3 Address, Home Phone, Home Phone 2, Business Phone, Business Phone 2, Mobile Phone, "
    "Car Phone, Other Phone, Primary Phone, Pager, Business Fax, Home Fax, Other Fax, Company Main Phone, Callback, "
    "Radio Phone, Telex, TTY/TDD Phone, IMAddress, Job Title, Department, Company, Office Location, Manager's Name, "
    "Assistant's Name, Assistant's Phone, Company Yomi, Business Street, Business City, Business State, "
    "Business Postal Code, Business Country/Region, Home Street, Home City, Home State, Home Postal Code, "
    "Home Country/Region, Web Page, Birthday, Anniversary, Notes, Categories"
)


def outlook(rng: random.Random, contacts: list[Person]) -> Rows:
    records = [
        {
            "First Name": p.first,
            "Last Name": p.last,
            "E-mail Address": p.email,
            "Business Phone": p.phone("us") if rng.random() < 0.7 else "",
            "Mobile Phone": p.phone("e164") if rng.random() < 0.3 else "",
            "Job Title": p.title,
            "Company": p.company,
            "Business City": p.city,
            "Business Country/Region": p.country,
            "Birthday": "0/0/00",  # Outlook's "no birthday"
            "Categories": rng.choice(["", "Customers", "Suppliers;VIP"]),
        }
        for p in contacts
    ]
    return table(OUTLOOK_HEADER, records)


def thunderbird_without_header(rng: random.Random, contacts: list[Person]) -> Rows:
    """Older Thunderbird address books: no header row, a trailing empty column on every line."""
    return [
        [p.first, p.last, p.name, "", p.email, "", "", p.phone("us"), "", "", "", "", p.city, p.company, ""]
        for p in contacts
    ]


def linkedin_connections(rng: random.Random, contacts: list[Person]) -> Rows:
    """Connections.csv: notes above the header, and most emails withheld by their owners."""
    notes = (
        "When exporting your connection data, you may notice that some of the email addresses are missing. "
        "You will only see email addresses for connections who have allowed their connections to see or "
        "download their email address using this setting https://www.linkedin.com/psettings/privacy/email. "
        "You can learn more here https://www.linkedin.com/help/linkedin/answer/261"
    )
    header = columns("First Name, Last Name, URL, Email Address, Company, Position, Connected On")
    records = [
        {
            "First Name": p.first,
            "Last Name": p.last,
            "URL": f"https://www.linkedin.com/in/{p.first.lower()}-{p.last.lower()}-{rng.randrange(16**6):06x}",
            "Email Address": p.email if rng.random() < 0.15 else "",
            "Company": p.company,
            "Position": p.title,
            "Connected On": _stamp(p.created, "%d %b %Y"),
        }
        for p in contacts
    ]
    return [["Notes:"], [notes], [], *table(header, records)]


def pipedrive(rng: random.Random, contacts: list[Person]) -> Rows:
    header = columns(
        "Person - ID, Person - Name, Person - Label, Person - Organization, Person - Email - Work, "
        "Person - Email - Home, Person - Phone - Work, Person - Phone - Mobile, Person - Owner, "
        "Person - Person created"
    )
    records: list[dict[str, Cell]] = []
    for index, p in enumerate(contacts):
        at_home = rng.random() < 0.2
        records.append(
            {
                "Person - ID": index + 1,
                "Person - Name": p.name,
                "Person - Label": rng.choice(["Hot lead", "Warm lead", ""]),
                "Person - Organization": p.company,
                "Person - Email - Work": "" if at_home else p.email,
                "Person - Email - Home": p.email if at_home else "",
                "Person - Phone - Work": p.phone("e164"),
                "Person - Owner": "Sam Seller",
                "Person - Person created": _stamp(p.created, "%Y-%m-%d %H:%M:%S"),
            }
        )
    return table(header, records)


def mailchimp(rng: random.Random, contacts: list[Person]) -> Rows:
    header = columns(
        "Email Address, First Name, Last Name, Address, Phone Number, Birthday, MEMBER_RATING, OPTIN_TIME, OPTIN_IP, "
        "CONFIRM_TIME, CONFIRM_IP, LATITUDE, LONGITUDE, GMTOFF, DSTOFF, TIMEZONE, CC, REGION, LAST_CHANGED, LEID, "
        "EUID, NOTES, TAGS"
    )
    records: list[dict[str, Cell]] = []
    for p in contacts:
        when = _stamp(p.created, "%Y-%m-%d %H:%M:%S")
        records.append(
            {
                "Email Address": p.email,
                "First Name": p.first,
                "Last Name": p.last,
                "Phone Number": p.phone("plain") if rng.random() < 0.4 else "",
                "MEMBER_RATING": 2,
                "OPTIN_TIME": when,
                "CONFIRM_TIME": when,
                "CONFIRM_IP": "203.0.113.7",
                "CC": p.country,
                "LAST_CHANGED": when,
                "LEID": rng.randrange(10**8),
                "EUID": f"{rng.randrange(16**10):010x}",
                "TAGS": '"Webinar 2025"',
            }
        )
    return table(header, records)


def excel_with_title_rows(rng: random.Random, contacts: list[Person]) -> Rows:
    """A hand-made sheet: title and date rows above the header, the company written once per group
    (the cells below it left blank, as a merged cell looks), real dates, phones stored as numbers."""
    header = columns("Company, Contact, E-mail, Telephone, Met on, Follow up?")
    records = []
    previous_company = None
    for p in sorted(contacts, key=lambda person: person.company):
        records.append(
            {
                "Company": "" if p.company == previous_company else p.company,
                "Contact": p.name,
                "E-mail": p.email,
                "Telephone": float(p.phone_digits) if rng.random() < 0.7 else p.phone("us"),  # 4155550100.0
                "Met on": p.created.date(),
                "Follow up?": rng.random() < 0.5,
            }
        )
        previous_company = p.company
    return [["Trade show leads - Berlin 2025"], ["Exported", datetime.date(2025, 6, 30)], [], *table(header, records)]


def localized(headers: list[str], names: list[tuple[str, str]]) -> Callable[[random.Random, list[Person]], Rows]:
    """Headers in another script, names from it, emails and phones as usual."""

    def shape(rng: random.Random, contacts: list[Person]) -> Rows:
        rows: Rows = [list(headers)]
        for p in contacts:
            first, last = rng.choice(names)
            rows.append([f"{first} {last}", p.email, p.phone("e164"), p.company])
        return rows

    return shape


def european_excel(rng: random.Random, contacts: list[Person]) -> Rows:
    """German Excel's idea of CSV (written with ';' and Windows-1252): decimal commas, dates as 30.06.2025."""
    header = columns("Vorname, Nachname, E-Mail-Adresse, Telefon, Firma, Umsatz (€), Erstellt am")
    records = [
        {
            "Vorname": p.first,
            "Nachname": p.last,
            "E-Mail-Adresse": p.email,
            "Telefon": f"0{p.phone_digits[3:]}",
            "Firma": p.company,
            "Umsatz (€)": f"{rng.randrange(1000, 99_999)},{rng.randrange(100):02d}",
            "Erstellt am": _stamp(p.created, "%d.%m.%Y"),
        }
        for p in contacts
    ]
    return table(header, records)


def messy(rng: random.Random, contacts: list[Person]) -> Rows:
    """The test suite's messy leads: LAST, FIRST names, mixed phone formats, blank and rejected rows."""
    rows: Rows = [list(row) for row in messy_lead_rows(len(contacts), seed=rng.randrange(10**6))]
    return rows


@dataclass(frozen=True)
class Shape:
    name: str
    rows: Callable[[random.Random, list[Person]], Rows]
    formats: tuple[str, ...]  # "csv" (UTF-8), "csv-bom", "csv-cp1252", "csv-semicolon", "tsv", "txt", "xlsx"…
    email_on_every_row: bool = True  # False where the product withholds addresses or rows are meant to be rejected


SHAPES = [
    Shape("hubspot-contacts", hubspot, ("csv", "csv-bom", "xlsx")),
    Shape("salesforce-leads-report", salesforce_report, ("xlsx", "csv", "xls")),
    Shape("zoho-crm-leads", zoho_crm, ("csv", "xlsx")),
    Shape("zoho-books-contacts", zoho_books, ("csv", "xls")),
    Shape("atomic-crm-contacts", atomic_crm, ("csv",)),
    Shape("google-contacts", google_contacts, ("csv",)),
    Shape("outlook-contacts", outlook, ("csv-cp1252", "csv")),
    Shape("thunderbird-no-header", thunderbird_without_header, ("csv", "txt")),
    Shape("linkedin-connections", linkedin_connections, ("csv",), email_on_every_row=False),
    Shape("pipedrive-people", pipedrive, ("csv", "xlsx")),
    Shape("mailchimp-audience", mailchimp, ("csv",)),
    Shape("excel-title-rows", excel_with_title_rows, ("xlsx", "xls", "ods")),
    Shape(
        "japanese-headers", localized(["氏名", "メールアドレス", "電話番号", "会社名"], JAPANESE), ("xlsx", "csv-bom")
    ),
    Shape("russian-headers", localized(["Имя", "Электронная почта", "Телефон", "Компания"], RUSSIAN), ("csv", "ods")),
    Shape("arabic-headers", localized(["الاسم", "البريد الإلكتروني", "الهاتف", "الشركة"], ARABIC), ("xlsx", "csv")),
    Shape("european-excel", european_excel, ("csv-semicolon",)),
    Shape("messy-leads", messy, ("xlsx", "csv", "tsv", "xls", "ods", "txt"), email_on_every_row=False),
]

HEADER_ONLY = "-header-only"  # in the name of a realistic file cut after its header


def realistic_shape(file_name: str) -> Shape | None:
    """The shape a realistic export of the corpus was written in (from its name); None for other files."""
    label = file_name.split("-", 1)[-1].rsplit(".", 1)[0].removesuffix(HEADER_ONLY)
    return next((shape for shape in SHAPES if shape.name == label), None)


_CSV_FORMATS = {  # format → (extension, encoding, delimiter)
    "csv": (".csv", "utf-8", ","),
    "csv-bom": (".csv", "utf-8-sig", ","),
    "csv-cp1252": (".csv", "cp1252", ","),
    "csv-semicolon": (".csv", "cp1252", ";"),
    "tsv": (".tsv", "utf-8", "\t"),
    "txt": (".txt", "utf-8", "|"),
}


def write_rows(path_stem: Path, file_format: str, sheet_name: str, rows: Rows) -> Path:
    """`rows` in `file_format`, at path_stem + the format's extension."""
    if file_format in _CSV_FORMATS:
        extension, encoding, delimiter = _CSV_FORMATS[file_format]
        text_rows = [["" if cell is None else _csv_text(cell) for cell in row] for row in rows]
        return write_csv(path_stem.with_suffix(extension), text_rows, encoding=encoding, delimiter=delimiter)
    writer = {"xlsx": write_xlsx, "xls": write_xls, "ods": write_ods}[file_format]
    return writer(path_stem.with_suffix(f".{file_format}"), {sheet_name[:31]: rows})


def _csv_text(cell: Cell) -> str:
    """As a spreadsheet program writes a cell to CSV; floats keep their .0 as pandas writes them."""
    if isinstance(cell, datetime.datetime):
        return cell.strftime("%Y-%m-%d %H:%M:%S")
    return str(cell)


ODS_MAX_ROWS = 500  # odfpy needs ~0.5 ms a row; bigger .ods files would dominate the generation time


def realistic_file_size(rng: random.Random, scale: Scale, file_format: str) -> int:
    """Mostly small lists, some hundreds of rows, a few thousands (capped by the scale)."""
    roll = rng.random()
    size = rng.randint(3, 50) if roll < 0.6 else rng.randint(51, 500) if roll < 0.94 else rng.randint(501, 3000)
    return min(size, scale.max_rows, ODS_MAX_ROWS if file_format == "ods" else size)


def realistic_files(out_dir: Path, count: int, rng: random.Random, scale: Scale, first_index: int) -> list[Path]:
    """`count` exports cycling through the shapes and their formats; about one in 15 is header-only."""
    written = []
    for offset in range(count):
        shape = SHAPES[offset % len(SHAPES)]
        file_format = shape.formats[(offset // len(SHAPES)) % len(shape.formats)]
        contacts = people(rng, realistic_file_size(rng, scale, file_format))
        rows = shape.rows(rng, contacts)
        label = shape.name
        if rng.random() < 1 / 15 and shape.rows is not thunderbird_without_header:
            rows, label = rows[: _header_index(rows) + 1], f"{shape.name}{HEADER_ONLY}"
        stem = out_dir / f"{first_index + offset:03d}-{label}"
        written.append(write_rows(stem, file_format, shape.name.replace("-", " ").title(), rows))
    return written


def _header_index(rows: Rows) -> int:
    """The header is the first row with more than two non-empty cells (title rows have one or two)."""
    return next(index for index, row in enumerate(rows) if sum(1 for cell in row if cell not in ("", None)) > 2)


def build_corpus(out_dir: Path, count: int = DEFAULT_COUNT, *, scale: Scale = FULL, seed: int = SEED) -> list[Path]:
    """Every hostile file, then realistic exports up to `count` files in all; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        generate(out_dir / f"{index:03d}-{name}") for index, (name, generate) in enumerate(hostile_files(scale).items())
    ]
    rng = random.Random(seed)
    written += realistic_files(out_dir, max(count - len(written), 0), rng, scale, first_index=len(written))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"files in all ({DEFAULT_COUNT})")
    parser.add_argument("--small", action="store_true", help="short files and cut-down row multipliers, for CI")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    started = time.monotonic()
    files = build_corpus(args.out_dir, args.count, scale=SMALL if args.small else FULL, seed=args.seed)
    size = sum(path.stat().st_size for path in files)
    print(f"{len(files)} files, {size / 2**20:.1f} MB, in {args.out_dir} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
