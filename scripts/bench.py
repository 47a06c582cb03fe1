"""`make bench`: import throughput and memory on the local stack, printed as a table and saved as JSON.

Measures the sample workbook and a generated messy CSV (50,000 rows by default) through
`scripts/easycrm import`, plus the splitter's reader alone, whose peak memory shows that a CSV is
streamed rather than loaded whole; then the read paths (lead list, summary, chatbot) through their
handlers on a table of `--read-leads` leads (5,000 by default), and the peak memory of reading each
hostile file (`--hostile`), which must stay under the splitter's memory size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "layers" / "shared")]

from easycrm.spreadsheet import open_sheets  # noqa: E402

from scripts.local_stack.apigw import proxy_event  # noqa: E402
from scripts.local_stack.stack import LocalStack  # noqa: E402
from tests.support.workbooks import messy_leads, write_csv  # noqa: E402

RESULTS = REPO / "artifacts" / "bench.json"


def measure_import(path: Path) -> dict:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "easycrm"), "import", str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    [summary] = json.loads(completed.stdout)
    return {
        "case": f"import {path.name}",
        "rows": summary["rows"],
        "seconds": round(seconds, 1),
        "rows_per_second": round(summary["rows"] / seconds, 1),
        "created": summary["created"],
        "updated": summary["updated"],
        "rejected": summary["rejected"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "status": summary["status"],
    }


def measure_reader(path: Path) -> dict:
    tracemalloc.start()
    started = time.perf_counter()
    rows = 0
    with path.open("rb") as handle:
        for sheet in open_sheets(handle, path.name):
            rows += sum(1 for _ in sheet.rows)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "case": f"read {path.name} (splitter reader only)",
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "peak_python_heap_mb": round(peak / 2**20, 2),
    }


HOSTILE_FILES = (
    ("sparse_extent_xlsx", ".xlsx"),
    ("sparse_extent_lying_xlsx", ".xlsx"),
    ("zip_bomb_xlsx", ".xlsx"),
    ("many_sheets_xlsx", ".xlsx"),
    ("many_members_xlsx", ".xlsx"),
    ("repeated_rows_ods", ".ods"),
    ("panicking_xls", ".xls"),
    ("wide_survey_xlsx", ".xlsx"),
    ("giant_cell_csv", ".csv"),
    ("fifty_thousand_columns_csv", ".csv"),
    ("unterminated_quote_csv", ".csv"),
)
# Run in a fresh interpreter per file, so each peak is that file's alone: the reading process and its
# workbook child, as the splitter holds them.
_HOSTILE_READ = """
import json, resource, sys, time
from easycrm.errors import UnreadableFile
from easycrm.spreadsheet import open_sheets
started, rows, outcome = time.perf_counter(), 0, "read"
try:
    with open(sys.argv[1], "rb") as handle:
        for sheet in open_sheets(handle, sys.argv[1]):
            rows += sum(1 for _ in sheet.rows)
except UnreadableFile as error:
    outcome = str(error)[:70]
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started, "outcome": outcome,
    "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measure_hostile_reads(scratch: Path) -> list[dict]:
    from tests.support import hostile_files

    results = []
    for maker, extension in HOSTILE_FILES:
        path = getattr(hostile_files, maker)(scratch / f"{maker}{extension}")
        completed = subprocess.run(
            [sys.executable, "-c", _HOSTILE_READ, str(path)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "layers" / "shared")])},
        )
        measured = json.loads(completed.stdout.strip().splitlines()[-1])
        results.append(
            {
                "case": f"read hostile {path.name} ({path.stat().st_size:,} bytes): {measured['outcome']}",
                "rows": measured["rows"],
                "seconds": round(measured["seconds"], 2),
                # the two processes' peaks need not coincide, so their sum bounds the splitter's peak
                "peak_rss_mb": round(measured["self_mb"] + measured["child_mb"], 1),
            }
        )
    return results


READER_CLAIMS = {"sub": "bench-reader", "email": "bench@localhost", "cognito:username": "bench-reader"}
COMPANIES, INDUSTRIES, SOURCES = 400, 12, 8


def measure_reads(leads: int) -> list[dict]:
    """Each read path once (after one warm-up call) on a table of `leads` leads, stored with the
    pipeline's own merge; what the README's "Lead queries and what they cost" describes."""
    from easycrm import wiring
    from easycrm.dedup import SourceRef

    with LocalStack() as stack:
        repository = wiring.leads()
        for n in range(leads):
            lead = {
                "name": f"Person {n}",
                "email": f"person{n}@bench.example",
                "company": f"Company {n % COMPANIES}",
                "industry": f"Industry {n % INDUSTRIES}",
                "source": f"Source {n % SOURCES}",
            }
            repository.merge(lead["email"], lead, SourceRef("bench", "bench.csv", "Leads", n + 2))
        calls = [
            (
                "GET /leads (first page, newest first)",
                "lead_reader",
                proxy_event("GET", "/leads", claims=READER_CLAIMS),
            ),
            (
                "GET /leads?company=… (index)",
                "lead_reader",
                proxy_event("GET", "/leads", query={"company": "Company 7"}, claims=READER_CLAIMS),
            ),
            (
                "GET /leads?search=… (whole list)",
                "lead_reader",
                proxy_event("GET", "/leads", query={"search": "person1"}, claims=READER_CLAIMS),
            ),
            ("GET /leads/summary (scan)", "lead_reader", proxy_event("GET", "/leads/summary", claims=READER_CLAIMS)),
        ]
        for question in (
            "How many leads do we have?",
            "Which companies have the most leads?",
            "Show leads from Company 7",
        ):
            body = {"message": question, "history": []}
            calls.append(
                (
                    f"POST /chatbot {question!r}",
                    "chatbot",
                    proxy_event("POST", "/chatbot", body=body, claims=READER_CLAIMS),
                )
            )
        results = []
        for case, function, event in calls:
            stack.function(function).invoke(event)  # warm: imports and clients
            started = time.perf_counter()
            response = stack.function(function).invoke(event)
            seconds = time.perf_counter() - started
            if response["statusCode"] != 200:
                raise RuntimeError(f"{case}: {response['statusCode']} {response['body'][:300]}")
            results.append({"case": f"{case} at {leads:,} leads", "rows": leads, "seconds": round(seconds, 2)})
        return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="rows in the generated CSV (50000)")
    parser.add_argument("--read-leads", type=int, default=5_000, help="leads for the read-path cases (5000)")
    parser.add_argument("--reads-only", action="store_true", help="only the read-path cases")
    parser.add_argument("--hostile-only", action="store_true", help="only the hostile-file reads")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        results += measure_hostile_reads(Path(scratch))
    if args.hostile_only:
        print_table(results)
        return 0
    if not args.reads_only:
        with tempfile.TemporaryDirectory() as scratch:
            big = write_csv(Path(scratch) / f"messy-{args.rows}.csv", messy_leads(args.rows, seed=5).rows)
            results += [
                measure_reader(big),
                measure_import(REPO / "samples" / "leads-sample.xlsx"),
                measure_import(big),
            ]
    results += measure_reads(args.read_leads)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")
    return 0


def print_table(results: list[dict]) -> None:
    columns = ["case", "rows", "seconds", "rows_per_second", "peak_rss_mb", "peak_python_heap_mb"]
    widths = {column: max(len(column), *(len(str(row.get(column, ""))) for row in results)) for column in columns}
    print("  ".join(column.ljust(widths[column]) for column in columns))
    for row in results:
        print("  ".join(str(row.get(column, "")).ljust(widths[column]) for column in columns))


if __name__ == "__main__":
    sys.exit(main())
