"""Real spreadsheet files for tests and the benchmark, written with the libraries users' tools resemble.

Cells may be str, int, float, bool, date/datetime or None (an empty cell); `sheets` maps worksheet
names to rows, and an empty row list gives an empty worksheet.
"""

from __future__ import annotations

import csv
import datetime
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

Cell = str | int | float | bool | datetime.date | None
Sheets = Mapping[str, Sequence[Sequence[Cell]]]


def write_xlsx(path: str | Path, sheets: Sheets) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(list(row))
    workbook.save(path)
    return Path(path)


def write_xls(path: str | Path, sheets: Sheets) -> Path:
    """Excel 97-2003 (.xls); dates get a date format, as Excel would store them."""
    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    datetime_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    for name, rows in sheets.items():
        worksheet = workbook.add_sheet(name)
        for row_index, row in enumerate(rows):
            for column_index, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime.datetime):
                    worksheet.write(row_index, column_index, value, datetime_style)
                elif isinstance(value, datetime.date):
                    worksheet.write(row_index, column_index, value, date_style)
                else:
                    worksheet.write(row_index, column_index, value)
    workbook.save(str(path))
    return Path(path)


def write_ods(path: str | Path, sheets: Sheets) -> Path:
    """OpenDocument spreadsheet (.ods), as LibreOffice saves it, with typed cells."""
    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            table_row = TableRow()
            for value in row:
                table_row.addElement(_ods_cell(value))
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return Path(path)


def _ods_cell(value: Cell) -> TableCell:
    if value is None:
        return TableCell()
    if isinstance(value, bool):
        cell = TableCell(valuetype="boolean", booleanvalue="true" if value else "false")
    elif isinstance(value, int | float):
        cell = TableCell(valuetype="float", value=value)
    elif isinstance(value, datetime.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
    else:
        cell = TableCell(valuetype="string")
    for line in str(value).split("\n"):
        cell.addElement(P(text=line))
    return cell


def write_csv(path: str | Path, rows: Sequence[Sequence[Cell]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """CSV as spreadsheet programs export it: CRLF line ends; "utf-8-sig" and "utf-16" write a BOM."""
    with open(path, "w", encoding=encoding, newline="") as file:
        writer = csv.writer(file, delimiter=delimiter, lineterminator="\r\n")
        writer.writerows(["" if value is None else value for value in row] for row in rows)
    return Path(path)


# --- Messy leads ----------------------------------------------------------------------------------

MESSY_HEADERS = ["Full Name", "E-mail Address", "Phone", "Country", "Company", "Job Title", "Lead Source", "Notes"]

_FIRST_NAMES = ["Jane", "John", "Maria", "Lukas", "Sophie", "Ahmed", "Chloé", "Sean", "Anna", "Pierre", "Lucía", "Tom"]
_LAST_NAMES = ["Doe", "Smith", "Müller", "O'Brien", "McDonald", "García", "Dubois", "Schmidt", "Nguyen", "Rossi"]
_COMPANIES = ["Acme Corp", "Globex GmbH", "Initech", "Umbrella SA", "Stark Industries", "Soylent Ltd", "Hooli"]
_TITLES = ["CEO", "Head of Sales", "marketing manager", "CTO", "Procurement Lead", "", "Office Manager"]
_SOURCES = ["Trade Show", "Webinar", "Website", "Referral", "Partner List", ""]


@dataclass(frozen=True)
class _Country:
    code: str  # ISO alpha-2
    dial: str  # country calling code
    names: tuple[str, ...]  # how people write it in the Country column
    number: str  # national significant number pattern: "#" becomes a digit, "N" a digit from 2 to 9
    national: tuple[str, ...]  # national formats of the pattern's digits (+ trunk prefix)


_COUNTRIES = (
    _Country(
        "US", "1", ("USA", "United States", "US", ""), "415N######", ("({0}) {1}-{2}", "{0}.{1}.{2}", "{0}{1}{2}")
    ),
    _Country("GB", "44", ("United Kingdom", "UK"), "207N######", ("0{0} {1} {2}", "0{0}{1}{2}")),
    _Country("DE", "49", ("Germany", "Deutschland", "DE"), "30#######", ("0{0} {1}{2}", "0{0}/{1}{2}")),
    _Country("FR", "33", ("France", "FR"), "1########", ("0{0} {1} {2}", "0{0}{1}{2}")),
    _Country("ES", "34", ("Spain", "España"), "91#######", ("{0} {1} {2}", "{0}{1}{2}")),
)
_GROUPS = {"US": (3, 3, 4), "GB": (2, 4, 4), "DE": (2, 3, 4), "FR": (1, 4, 4), "ES": (3, 3, 3)}


@dataclass(frozen=True)
class MessyLeads:
    """Generated rows and what a correct import of them must produce."""

    rows: list[list[str]]  # MESSY_HEADERS first, then the data rows with blank rows in between
    data_rows: int  # non-blank rows after the header
    blank_rows: int
    rejected: int  # rows with neither a valid email nor a valid phone
    keys: frozenset[str]  # the distinct dedup keys (email, else E.164 phone) among the accepted rows

    @property
    def unique_leads(self) -> int:
        return len(self.keys)


@dataclass
class _Person:
    first: str
    last: str
    company: str
    country: _Country
    digits: str  # national significant number
    email: str | None  # None: reachable by phone only

    @property
    def e164(self) -> str:
        return f"+{self.country.dial}{self.digits}"

    @property
    def key(self) -> str:
        return self.email or self.e164


def messy_leads(
    n: int,
    seed: int,
    *,
    duplicate_share: float = 0.1,
    reject_share: float = 0.03,
    blank_share: float = 0.02,
    phone_only_share: float = 0.05,
) -> MessyLeads:
    """`n` data rows as a sales team's spreadsheet holds them: inconsistent case, spacing and formats.

    Duplicates repeat an earlier person with different formatting (same email or phone after
    normalization); rejected rows have neither email nor phone, or only unusable ones.
    """
    rng = random.Random(seed)
    people: list[_Person] = []
    rows: list[list[str]] = [list(MESSY_HEADERS)]
    used_emails: set[str] = set()
    used_digits: set[str] = set()
    rejected = blank_rows = 0
    for _ in range(n):
        if rng.random() < blank_share:
            rows.append(["", "  ", "", "", "", "", "", ""])
            blank_rows += 1
        roll = rng.random()
        if roll < reject_share:
            rows.append(_rejected_row(rng))
            rejected += 1
            continue
        if roll < reject_share + duplicate_share and people:
            person = rng.choice(people)
        else:
            person = _new_person(rng, used_emails, used_digits, phone_only=rng.random() < phone_only_share)
            people.append(person)
        rows.append(_render(rng, person))
    return MessyLeads(rows, n, blank_rows, rejected, frozenset(person.key for person in people))


def messy_lead_rows(n: int, seed: int, **options: float) -> list[list[str]]:
    """Header row plus `n` messy data rows (and some blank rows); see `messy_leads` for the expectations."""
    return messy_leads(n, seed, **options).rows


def _new_person(rng: random.Random, used_emails: set[str], used_digits: set[str], *, phone_only: bool) -> _Person:
    first, last, company = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES), rng.choice(_COMPANIES)
    country = rng.choice(_COUNTRIES)
    digits = _unique(used_digits, lambda: "".join(_digit(rng, c) for c in country.number))
    email = None
    if not phone_only:
        domain = company.split()[0].lower() + rng.choice([".com", ".de", ".io", ".co.uk"])
        local = f"{_ascii(first)}.{_ascii(last)}".lower()
        email = _unique(used_emails, lambda: f"{local}{rng.randrange(1, 10_000)}@{domain}")
    return _Person(first, last, company, country, digits, email)


def _digit(rng: random.Random, pattern: str) -> str:
    return {"#": str(rng.randrange(10)), "N": str(rng.randrange(2, 10))}.get(pattern, pattern)


def _unique(used: set[str], make) -> str:
    value = make()
    while value in used:
        value = make()
    used.add(value)
    return value


_EMAIL_SAFE = str.maketrans({"ü": "ue", "é": "e", "í": "i", "á": "a", "ó": "o", "'": ""})


def _ascii(text: str) -> str:
    return text.translate(_EMAIL_SAFE)


def _render(rng: random.Random, person: _Person) -> list[str]:
    name_forms = [
        f"{person.last.upper()}, {person.first.upper()}",
        f"{person.first.lower()}  {person.last.lower()}",
        f"{person.first} {person.last}",
        f" {person.first} {person.last} ",
    ]
    email = ""
    if person.email:
        email = rng.choice([person.email, person.email.upper(), f"  {person.email.title()} ", f"mailto:{person.email}"])
    phone, country = _render_phone(rng, person.country, person.digits)
    notes = rng.choice(["", "", "met at booth 12", "call back in Q3", "Interested in\nthe premium plan"])
    return [
        rng.choice(name_forms),
        email,
        phone,
        country,
        person.company,
        rng.choice(_TITLES),
        rng.choice(_SOURCES),
        notes,
    ]


def _render_phone(rng: random.Random, country: _Country, digits: str) -> tuple[str, str]:
    """The number in a national format with a country name, or internationally with any country cell."""
    sizes = _GROUPS[country.code]
    groups = [digits[: sizes[0]], digits[sizes[0] : sizes[0] + sizes[1]], digits[sizes[0] + sizes[1] :]]
    if rng.random() < 0.3:
        prefix = rng.choice([f"+{country.dial} ", f"00{country.dial} "]) if country.code != "US" else "+1 "
        return prefix + " ".join(groups), rng.choice(country.names)
    names = [name for name in country.names if name] if country.code != "US" else list(country.names)
    return rng.choice(country.national).format(*groups), rng.choice(names)


def _rejected_row(rng: random.Random) -> list[str]:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    email, phone = rng.choice([("", ""), (f"{first.lower()} at example dot com", "ask at booth"), ("n/a", "-")])
    return [f"{first} {last}", email, phone, "", rng.choice(_COMPANIES), "", "Trade Show", "no contact details"]
