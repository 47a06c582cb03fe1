"""Write samples/leads-sample.xlsx: a realistic, messy lead workbook for demos and manual testing.

Three worksheets as a sales team collects them, plus an empty one:
- "Trade Show": a title row and a blank row above the header; "LAST, FIRST" names, national phone formats.
- "Webinar": separate first/last name columns, phones stored as numbers, some people from the trade show.
- "Partner List (DE)": German headers and phone formats (Germany, Austria, Switzerland).
- "Archive": empty.
A few people appear twice (within and across sheets, formatted differently) and a few rows carry
neither a usable email nor a usable phone, so they must be rejected.

The output is byte-for-byte reproducible (fixed seed, fixed timestamps): rerunning it changes nothing.

    .venv/bin/python scripts/make_sample_workbook.py [OUTPUT]
"""

from __future__ import annotations

import datetime
import io
import random
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

SEED = 2026
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "samples" / "leads-sample.xlsx"
FIXED_TIME = datetime.datetime(2026, 1, 15, 9, 0, 0)

FIRST_NAMES = ["Jane", "John", "Maria", "David", "Sophie", "Ahmed", "Emily", "Sean", "Olivia", "Carlos", "Priya", "Tom"]
LAST_NAMES = ["Doe", "Smith", "O'Brien", "McDonald", "Garcia", "Nguyen", "Patel", "Johnson", "Brown", "Rossi"]
GERMAN_FIRST = ["Lukas", "Anna", "Jürgen", "Katrin", "Felix", "Sabine", "Matthias", "Lea", "Stefan", "Julia"]
GERMAN_LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "von Berg"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Industries", "Soylent Foods", "Hooli"]
GERMAN_COMPANIES = ["Brandt Maschinenbau GmbH", "Nordlicht Energie AG", "Alpen Logistik GmbH", "Rheinwerk Software"]
TITLES = ["CEO", "Head of Sales", "marketing manager", "CTO", "VP Operations", "Procurement Lead", "IT Director"]
GERMAN_TITLES = ["Geschäftsführer", "Einkaufsleiterin", "Vertriebsleiter", "IT-Leiter", "Projektmanagerin"]
INDUSTRIES = ["Software", "Healthcare", "Manufacturing", "Retail", "Logistics", "Energy"]

# Phone number patterns per country ("N" = digit 2-9, "#" = any digit) and how people write them.
PHONES = {
    "US": ("212N######", ["({0}) {1}-{2}", "{0}.{1}.{2}", "+1 {0} {1} {2}", "{0}-{1}-{2} x{ext}"], (3, 3, 4)),
    "GB": ("207946####", ["0{0} {1} {2}", "+44 {0} {1} {2}"], (2, 4, 4)),
    "DE": ("30N######", ["0{0} {1}{2}", "+49 (0){0} {1}{2}", "0049 {0} {1} {2}", "0{0}/{1}-{2}"], (2, 3, 4)),
    "AT": ("1N######", ["0{0} {1}{2}", "+43 {0} {1} {2}"], (1, 3, 4)),
    "CH": ("44N######", ["0{0} {1} {2}", "+41 {0} {1} {2}"], (2, 3, 4)),
}
COUNTRY_NAMES = {
    "US": ["USA", "United States", "US", ""],
    "GB": ["United Kingdom", "UK"],
    "DE": ["Deutschland", "DE", "Germany"],
    "AT": ["Österreich", "AT"],
    "CH": ["Schweiz", "CH"],
}


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    company: str
    title: str
    country: str
    digits: str


class Samples:
    """Seeded choices of people and of the many ways their details get typed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.used_emails: set[str] = set()

    def person(self, firsts: list[str], lasts: list[str], companies: list[str], titles: list[str], country: str):
        first, last, company = self.rng.choice(firsts), self.rng.choice(lasts), self.rng.choice(companies)
        domain = company.split()[0].lower() + (".de" if country in ("DE", "AT", "CH") else ".com")
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "").replace("ü", "ue")
        email = f"{local}@{domain}"
        while email in self.used_emails:
            email = f"{local}{self.rng.randrange(2, 99)}@{domain}"
        self.used_emails.add(email)
        pattern = PHONES[country][0]
        digits = "".join(self._digit(char) for char in pattern)
        return Person(first, last, email, company, self.rng.choice(titles), country, digits)

    def _digit(self, char: str) -> str:
        return {"#": str(self.rng.randrange(10)), "N": str(self.rng.randrange(2, 10))}.get(char, char)

    def phone(self, person: Person, *, international: bool = False) -> str:
        """The number in one of its country's usual formats; international ones when no country column says."""
        _, formats, sizes = PHONES[person.country]
        if international:
            formats = [form for form in formats if form.startswith(("+", "00"))]
        cut1, cut2 = sizes[0], sizes[0] + sizes[1]
        groups = (person.digits[:cut1], person.digits[cut1:cut2], person.digits[cut2:])
        return self.rng.choice(formats).format(*groups, ext=self.rng.randrange(10, 99))

    def email(self, person: Person) -> str:
        return self.rng.choice(
            [person.email, person.email.upper(), f" {person.email.title()} ", f"{person.first} <{person.email}>"]
        )

    def full_name(self, person: Person) -> str:
        return self.rng.choice(
            [
                f"{person.last.upper()}, {person.first.upper()}",
                f"{person.first.lower()}  {person.last.lower()}",
                f"{person.first} {person.last}",
            ]
        )

    def country(self, person: Person) -> str:
        return self.rng.choice(COUNTRY_NAMES[person.country])

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def picks(self, options: list[str], count: int) -> list[str]:
        return self.rng.choices(options, k=count)


def trade_show(samples: Samples, people: list[Person]) -> list[list]:
    header = ["Full Name", "E-mail Address", "Mobile", "Company", "Job Title", "Country", "Notes"]
    notes = ["", "", "", "met at booth 12", "wants a demo in March", "Interested in\nthe enterprise plan"]
    rows: list[list[str | None]] = [
        [samples.full_name(p), samples.email(p), samples.phone(p), p.company, p.title, samples.country(p), note]
        for p, note in zip(people, samples.picks(notes, len(people)), strict=True)
    ]
    rows[7][2] = "ask at booth"  # kept in the notes; the lead still has its email
    rows.insert(12, [None] * len(header))  # a blank row in the middle
    rows.insert(20, [samples.full_name(people[3]), people[3].email.upper(), "", people[3].company, "", "", "again"])
    rows.append(["Visitor without card", "", "", "Initech", "", "USA", "no contact details"])
    return [["Trade show leads - Berlin 2026"], [], header, *rows]


def webinar(samples: Samples, people: list[Person], returning: list[Person]) -> list[list]:
    header = ["First Name", "Last Name", "Email", "Phone Number", "Organisation", "Position", "Lead Source", "Industry"]
    rows = []
    for p in people + returning:
        phone: str | int = samples.phone(p, international=p.country != "US")  # no country column here
        if p.country == "US" and samples.rng.random() < 0.4:
            phone = int(p.digits)  # typed into a number-formatted column
        first = samples.pick([p.first, p.first.upper(), p.first.lower()])
        source = samples.pick(["Webinar", "webinar", "Webinar (Spring)"])
        rows.append([first, p.last, samples.email(p), phone, p.company, p.title, source, samples.pick(INDUSTRIES)])
    rows.append(["Max", "Mustermann", "max(at)example", "n/a", "Globex", "", "Webinar", "Software"])
    return [header, *rows]


def partner_list(samples: Samples, people: list[Person], returning: Person) -> list[list]:
    header = ["Vorname", "Nachname", "E-Mail-Adresse", "Telefon", "Firma", "Position", "Land", "Bemerkungen"]
    remarks = ["", "", "Rückruf erbeten", "Messe Hannover", "Kunde seit 2019"]
    everyone = [*people, returning]
    rows = [
        [p.first, p.last, samples.email(p), samples.phone(p), p.company, p.title, samples.country(p), remark]
        for p, remark in zip(everyone, samples.picks(remarks, len(everyone)), strict=True)
    ]
    phone_only = people[0]
    rows[0][2] = ""  # reachable by phone only
    rows[0][7] = f"E-Mail folgt ({phone_only.first} ruft zurück)"
    rows.append(["Erika", "Musterfrau", "erika.musterfrau@", "unbekannt", "Nordlicht Energie AG", "", "DE", ""])
    return [header, *rows]


def build_workbook() -> openpyxl.Workbook:
    samples = Samples(SEED)
    international = [
        samples.person(FIRST_NAMES, LAST_NAMES, COMPANIES, TITLES, samples.pick(["US", "US", "US", "GB"]))
        for _ in range(55)
    ]
    german = [
        samples.person(
            GERMAN_FIRST, GERMAN_LAST, GERMAN_COMPANIES, GERMAN_TITLES, samples.pick(["DE", "DE", "AT", "CH"])
        )
        for _ in range(22)
    ]
    show_people, webinar_people = international[:32], international[32:]
    sheets = {
        "Trade Show": trade_show(samples, show_people),
        "Webinar": webinar(samples, webinar_people, returning=[show_people[5], show_people[10]]),
        "Partner List (DE)": partner_list(samples, german, returning=german[4]),
        "Archive": [],
    }
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
        style_sheet(worksheet, header_row=3 if name == "Trade Show" else 1)
    workbook.properties.creator = "Easy CRM sample generator"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    return workbook


def style_sheet(worksheet, header_row: int) -> None:
    if worksheet.max_row < header_row:
        return
    if header_row > 1:
        worksheet.cell(1, 1).font = Font(bold=True, size=14)
    for cell in worksheet[header_row]:
        cell.font = Font(bold=True)
    for column in worksheet.columns:
        width = max(len(str(cell.value or "")) for cell in column[header_row - 1 :])
        worksheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 40)


def reproducible_bytes(workbook: openpyxl.Workbook) -> bytes:
    """The saved workbook with FIXED_TIME on every zip entry and as its modification time.

    openpyxl stamps both with the current time on save; fixing them makes reruns byte-identical.
    """
    saved = io.BytesIO()
    workbook.save(saved)
    output = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                modified = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + modified, content)
            stamped = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            stamped.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(stamped, content)
    return output.getvalue()


def main(argv: list[str]) -> None:
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(reproducible_bytes(build_workbook()))
    print(f"Wrote {output}")


if __name__ == "__main__":
    main(sys.argv[1:])
