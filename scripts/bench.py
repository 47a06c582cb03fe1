"""`make bench`: import throughput and memory on the local stack, printed as a table and saved as JSON.

Measures the sample workbook and a generated messy CSV (50,000 rows by default) through
`scripts/easycrm import`, plus the splitter's reader alone, whose peak memory shows that a CSV is
streamed rather than loaded whole.
"""

from __future__ import annotations

import argparse
import json
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="rows in the generated CSV (50000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        big = write_csv(Path(scratch) / f"messy-{args.rows}.csv", messy_leads(args.rows, seed=5).rows)
        results = [
            measure_reader(big),
            measure_import(REPO / "samples" / "leads-sample.xlsx"),
            measure_import(big),
        ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    columns = ["case", "rows", "seconds", "rows_per_second", "peak_rss_mb", "peak_python_heap_mb"]
    widths = {column: max(len(column), *(len(str(row.get(column, ""))) for row in results)) for column in columns}
    print("  ".join(column.ljust(widths[column]) for column in columns))
    for row in results:
        print("  ".join(str(row.get(column, "")).ljust(widths[column]) for column in columns))
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
