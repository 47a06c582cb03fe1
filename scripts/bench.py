"""`make bench`: the local engine's speed and memory, printed as a table next to the targets and saved
as JSON.

Measures the sample workbook and a generated messy CSV (50,000 rows by default) through
`scripts/easycrm import` (wall time, exact counts, and the peak RSS of the largest process and of all the
import's processes together), plus the splitter's reader alone, whose peak memory shows that a CSV is
streamed rather than loaded whole; then the read paths (lead list, search, summary, chatbot) over HTTP
through the local API gateway, signed in, on a store of `--read-leads` leads (50,000 by default), and
the peak memory of reading each hostile file, which must stay under the splitter's memory size; the
time each handler module takes to import (the Python share of a cold start); and the cost of recording
what an import changes (for its undo) beside the import of the commit before it, and the undo itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "layers" / "shared")]

from easycrm.importing.spreadsheet import open_sheets  # noqa: E402

from scripts.local_stack.stack import LocalStack  # noqa: E402
from tests.support.workbooks import messy_leads, write_csv  # noqa: E402

RESULTS = REPO / "artifacts" / "bench.json"


def _tree_rss_mb(root: int) -> tuple[float, float]:
    """(largest process, all processes) resident memory of `root` and its descendants, in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(entry.name)] = int(fields[21]) * resource.getpagesize() / 2**20
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):  # it ended meanwhile
            continue
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    sizes = [rss.get(pid, 0.0) for pid in tree]
    return max(sizes), sum(sizes)


def measure_import(
    path: Path,
    target_seconds: float | None = None,
    *,
    environment: dict[str, str] | None = None,
    dump_leads: Path | None = None,
    label: str = "",
) -> dict:
    started = time.perf_counter()
    command = [sys.executable, str(REPO / "scripts" / "easycrm"), "import", str(path), "--json"]
    if dump_leads is not None:
        command += ["--dump-leads", str(dump_leads)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(environment or {})},
    )
    largest = together = 0.0
    while process.poll() is None:
        one, all_ = _tree_rss_mb(process.pid)
        largest, together = max(largest, one), max(together, all_)
        time.sleep(0.25)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"import {path.name} failed:\n{stderr[-2000:]}")
    [summary] = json.loads(stdout)
    counted = sum(summary[name] for name in ("created", "updated", "rejected", "failed", "cancelled"))
    return {
        "case": f"import {path.name} (end to end{label})",
        "rows": summary["rows"],
        "seconds": round(seconds, 1),
        "target_seconds": target_seconds,
        "rows_per_second": round(summary["rows"] / seconds, 1),
        "created": summary["created"],
        "updated": summary["updated"],
        "rejected": summary["rejected"],
        "failed": summary["failed"],
        "accounted": counted == summary["rows"],
        "peak_rss_mb": round(largest, 1),
        "peak_rss_all_processes_mb": round(together, 1),
        "target_rss_mb": 300 if target_seconds else None,
        "status": summary["status"],
    }


LLM_DELAY_SECONDS = 1.0  # the stand-in model answers every request after this long
# The seed's design asked the model about 10 leads a request with a system prompt of this many characters
# (llm/enrichment.py SYSTEM_PROMPT at fe374fc, measured with len()); its user message is the 10 leads' seven
# presentation fields as JSON, computed below from the same file's rule values.
SEED_LEADS_PER_CALL = 10
SEED_SYSTEM_PROMPT_CHARS = 1_784
SEED_PRESENTATION_FIELDS = ("name", "firstName", "lastName", "company", "title", "industry", "source")


_COMPANY_WORDS = ["acme", "globex", "initech", "umbrella", "stark", "soylent", "hooli", "wayne", "tyrell", "cyberdyne"]
_COMPANY_WORDS += ["wonka", "nakatomi", "oscorp", "vandelay", "gringotts", "monarch", "dunder", "pied", "aperture"]
_COMPANY_KINDS = ["widgets", "logistics", "labs", "foods", "capital", "health", "energy", "media", "systems"]
_SUFFIXES = ["inc", "gmbh", "ltd", "llc", "sa", "ag", "bv", "plc", ""]
_TITLE_WORDS = ["sales", "marketing", "procurement", "it", "finance", "operations", "hr", "product", "growth"]
_TITLE_RANKS = ["head of", "vp", "director of", "manager,", "senior manager", "lead", "chief", "associate"]


def with_many_values(rows: list[list[str]], seed: int) -> list[list[str]]:
    """The messy file with as many distinct values as a real one: a company per ~20 rows and a few hundred
    job titles, each written in varying case and spacing (the model sees each folded value once)."""
    rng = random.Random(seed)
    data_rows = len(rows) - 1
    companies = []
    for number in range(max(1, data_rows // 20)):
        words = (rng.choice(_COMPANY_WORDS), rng.choice(_COMPANY_KINDS), rng.choice(_SUFFIXES), str(number))
        companies.append(" ".join(word for word in words if word))
    titles = [f"{rank} {word} {area}" for rank in _TITLE_RANKS for word in _TITLE_WORDS for area in ("", "emea", "us")]
    styles = [str.lower, str.upper, lambda text: text, lambda text: "  " + text.replace(" ", "  ")]
    changed = [rows[0]]
    for row in rows[1:]:
        if row[4].strip():  # MESSY_HEADERS: Name, Email, Phone, Country, Company, Title, Source, Notes
            row = [
                *row[:4],
                rng.choice(styles)(rng.choice(companies)),
                rng.choice(styles)(rng.choice(titles)),
                *row[6:],
            ]
        changed.append(row)
    return changed


def measure_llm(path: Path, scratch: Path) -> list[dict]:
    """The same file imported with the rules only and with DeepSeek played by a local OpenAI-compatible
    stand-in answering after LLM_DELAY_SECONDS: wall time, calls, prompt and completion characters (and
    tokens at 4 characters each) per 1,000 leads, beside the seed's per-row design computed on the same
    leads; and whether emails, phones and counts are identical."""
    from tests.support.fake_llm import FakeLlmServer, Reply

    rules_leads, model_leads = scratch / "rules-leads.json", scratch / "model-leads.json"
    warm_up = write_csv(scratch / "warm-up.csv", messy_leads(20, seed=1).rows)
    measure_import(warm_up)  # compiled files and the embedded services' first start, paid before timing
    rules = measure_import(path, dump_leads=rules_leads, label=", rules only")
    answer = Reply.slow(LLM_DELAY_SECONDS)
    with FakeLlmServer(default=answer) as server:
        environment = {
            "LLM_PROVIDER": "deepseek",
            "DEEPSEEK_API_KEY": "bench-key",
            "DEEPSEEK_BASE_URL": server.base_url,
            "DEEPSEEK_MAX_RETRIES": "0",
        }
        model = measure_import(path, environment=environment, dump_leads=model_leads, label=", stand-in model")
        requests = server.requests
    leads = json.loads(rules_leads.read_text())
    contacts = {(lead.get("email"), lead.get("phone")) for lead in leads}
    same = contacts == {(lead.get("email"), lead.get("phone")) for lead in json.loads(model_leads.read_text())}
    same = same and all(rules[name] == model[name] for name in ("rows", "created", "updated", "rejected", "failed"))
    imported = rules["created"] + rules["updated"]
    per_thousand = 1000 / max(1, imported)
    prompt = sum(len(request.system) + len(request.user) for request in requests)
    completion = sum(len(answer.content(request)) for request in requests if answer.content)
    # The seed sent every imported row: SEED_LEADS_PER_CALL a call, each as its presentation fields.
    seed_calls = -(-imported // SEED_LEADS_PER_CALL)
    lead_chars = [len(json.dumps({"i": 0, **{f: lead.get(f, "") for f in SEED_PRESENTATION_FIELDS}})) for lead in leads]
    seed_prompt = seed_calls * SEED_SYSTEM_PROMPT_CHARS + statistics.mean(lead_chars) * imported
    model.update(
        {
            "llm_calls_per_1000_leads": round(len(requests) * per_thousand, 2),
            "prompt_chars_per_lead": round(prompt / max(1, imported), 1),
            "prompt_tokens_per_1000_leads": round(prompt / 4 * per_thousand),
            "completion_tokens_per_1000_leads": round(completion / 4 * per_thousand),
            "seed_llm_calls_per_1000_leads": round(seed_calls * per_thousand, 2),
            "seed_prompt_chars_per_lead": round(seed_prompt / max(1, imported), 1),
            "time_vs_rules_only": round(model["seconds"] / rules["seconds"], 2),
            "same_contacts_and_counts_as_rules_only": same,
        }
    )
    return [rules, model]


# The commit before imports recorded what they change (issue 14): its import is timed beside this one's,
# on the same file and machine, so the cost of recording is measured rather than remembered.
BEFORE_UNDO_REVISION = "7e0bf9a"
UNDO_OVERHEAD_TARGET = 1.15


def _children_cpu_seconds() -> float:
    """CPU time of every finished descendant (each process waits for its own children, so the stack's
    services and workers count too)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _easycrm(repo: Path, *arguments: str) -> tuple[Any, float, float]:
    """The command's JSON output, its wall time and the CPU time of all its processes."""
    started, cpu = time.perf_counter(), _children_cpu_seconds()
    done = subprocess.run(
        [sys.executable, str(repo / "scripts" / "easycrm"), *arguments, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"easycrm {' '.join(arguments)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout), time.perf_counter() - started, _children_cpu_seconds() - cpu


def measure_undo(path: Path, scratch: Path, rounds: int = 2) -> list[dict]:
    """The import with the undo recorded (this code) beside the same import at BEFORE_UNDO_REVISION,
    alternated `rounds` times (the fastest of each counts: this machine's speed drifts), then the undo of
    the last import: its time, and that it deleted exactly what the import created. Besides wall time, the
    CPU time of all the import's processes: on 2 cores anything else running stretches the wall time,
    while the work done stays what it is."""
    baseline = scratch / "before-undo"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(baseline), BEFORE_UNDO_REVISION],
        check=True,
        capture_output=True,
    )
    try:
        # This checkout's installs serve the other one: `scripts/easycrm` then runs it in this virtualenv
        # instead of setting that checkout up (its code comes first on the path all the same).
        (baseline / "node_modules").symlink_to(REPO / "node_modules")
        (baseline / ".venv").symlink_to(REPO / ".venv")
        times: dict[str, list[float]] = {"before": [], "now": []}
        cpu: dict[str, list[float]] = {"before": [], "now": []}
        for round_number in range(rounds):
            _, seconds, cpu_seconds = _easycrm(baseline, "import", str(path))
            times["before"].append(seconds)
            cpu["before"].append(cpu_seconds)
            store = scratch / f"undo-store-{round_number}"
            [summary], seconds, cpu_seconds = _easycrm(REPO, "import", str(path), "--data-dir", str(store))
            times["now"].append(seconds)
            cpu["now"].append(cpu_seconds)
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(baseline)], capture_output=True)
    undone, undo_seconds, _ = _easycrm(REPO, "undo", summary["uploadId"], "--data-dir", str(store))
    before, now = min(times["before"]), min(times["now"])
    cpu_before, cpu_now = min(cpu["before"]), min(cpu["now"])
    return [
        {
            "case": f"import {path.name} recording undo vs {BEFORE_UNDO_REVISION} (fastest of {rounds})",
            "rows": summary["rows"],
            "seconds": round(now, 1),
            "seconds_before_undo": round(before, 1),
            "slowdown": round(now / before, 3),
            "cpu_seconds": round(cpu_now, 1),
            "cpu_seconds_before_undo": round(cpu_before, 1),
            "cpu_slowdown": round(cpu_now / cpu_before, 3),
            "target_slowdown": UNDO_OVERHEAD_TARGET,
            "rows_per_second": round(summary["rows"] / now, 1),
        },
        {
            "case": f"undo of that import ({summary['created']} leads created, {summary['updated']} rows merged)",
            "rows": summary["rows"],
            "seconds": round(undo_seconds, 1),
            "deleted": undone["undo"]["deleted"],
            "every_created_lead_deleted": undone["undo"]["deleted"] == summary["created"],
            "status": undone["status"],
        },
    ]


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
from easycrm.importing.spreadsheet import open_sheets
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


COMPANIES, INDUSTRIES, SOURCES = 400, 12, 8
BENCH_USER, BENCH_PASSWORD = "bench@example.com", "Bench-Passw0rd-1"
READ_REPEATS = 5


def _store_lead(n: int) -> None:
    """Lead number `n`, stored with the pipeline's own merge."""
    from easycrm import wiring
    from easycrm.importing.dedup import SourceRef

    lead = {
        "name": f"Person {n}",
        "email": f"person{n}@bench.example",
        "company": f"Company {n % COMPANIES}",
        "industry": f"Industry {n % INDUSTRIES}",
        "source": f"Source {n % SOURCES}",
    }
    wiring.leads().merge(lead["email"], lead, SourceRef("bench", "bench.csv", "Leads", n + 2))


def _store_leads(numbers: range) -> None:
    """These leads, four at a time, as batches run."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(_store_lead, numbers))


IMPORT_REPEATS = 5
IMPORT_TIMER = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"


def measure_handler_imports() -> list[dict]:
    """`import app` of each function with the layer on its path, in a fresh interpreter as a new Lambda
    container gets, compiled files already written (as in a deployed package): the median of
    IMPORT_REPEATS runs after one that writes them."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment.update(
        AWS_DEFAULT_REGION="us-east-1",
        POWERTOOLS_SERVICE_NAME="easycrm",
        POWERTOOLS_TRACE_DISABLED="true",
        LEADS_TABLE="leads",
        PROCESSING_STATUS_TABLE="uploads",
        UPLOAD_BUCKET="uploads",
        PROCESSING_QUEUE_URL="http://127.0.0.1/queue",
    )
    results = []
    for function in sorted(path.parent for path in (REPO / "functions").glob("*/app.py")):
        environment["PYTHONPATH"] = f"{function}{os.pathsep}{REPO / 'layers' / 'shared'}"
        seconds = []
        for _ in range(IMPORT_REPEATS + 1):
            run = subprocess.run(
                [sys.executable, "-c", IMPORT_TIMER], env=environment, cwd=function, capture_output=True, text=True
            )
            if run.returncode:
                raise RuntimeError(f"importing {function.name} failed:\n{run.stderr[-2000:]}")
            seconds.append(float(run.stdout.strip().splitlines()[-1]))
        results.append({"case": f"import {function.name}", "seconds": round(statistics.median(seconds[1:]), 3)})
    return results


def measure_reads(leads: int, store: Path | None = None) -> list[dict]:
    """Each read path over HTTP through the local gateway, signed in, on a store of `leads` leads: the
    median of READ_REPEATS calls after a warm-up. What the docs/data-model.md "What each read costs"
    describes."""
    import requests
    from easycrm import wiring

    from scripts.local_stack.gateway import Gateway

    with LocalStack(data_dir=store) as stack:
        _store_leads(range(wiring.leads().count(), leads))  # a kept store (--read-store) has some already
        stack.add_user(BENCH_USER, BENCH_PASSWORD)  # users live in moto: added at every start
        gateway = Gateway(stack, port=0).start()
        try:
            config = gateway.config()
            signed_in = requests.post(
                config["cognitoEndpoint"],
                headers={
                    "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
                    "Content-Type": "application/x-amz-json-1.1",
                },
                json={
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "ClientId": config["userPoolClientId"],
                    "AuthParameters": {"USERNAME": BENCH_USER, "PASSWORD": BENCH_PASSWORD},
                },
                timeout=30,
            ).json()
            session = requests.Session()
            session.headers["Authorization"] = signed_in["AuthenticationResult"]["IdToken"]
            api = config["apiUrl"]
            top_companies = {"message": "Which companies have the most leads?", "history": []}
            # (case, target, method, path, body, after a merge): "after a merge" moves the lead list's
            # revision before each call, so the whole-list reads it keeps are read again.
            calls: list[tuple[str, float | None, str, str, dict | None, bool]] = [
                ("GET /leads (first page, newest first)", 0.05, "GET", "/leads", None, False),
                ("GET /leads?company=… (index)", 0.5, "GET", "/leads?company=Company%207", None, False),
                ("GET /leads?search=…", 0.5, "GET", "/leads?search=person1", None, False),
                ("GET /leads?search=…, first after a merge", None, "GET", "/leads?search=person1", None, True),
                ("GET /leads/summary", 1.0, "GET", "/leads/summary", None, False),
                ("GET /leads/summary, first after a merge", None, "GET", "/leads/summary", None, True),
                (
                    "POST /chatbot 'How many leads do we have?'",
                    1.0,
                    "POST",
                    "/chatbot",
                    {"message": "How many leads do we have?", "history": []},
                    False,
                ),
                ("POST /chatbot 'Which companies have the most leads?'", 1.0, "POST", "/chatbot", top_companies, False),
                ("POST /chatbot top companies, first after a merge", None, "POST", "/chatbot", top_companies, True),
            ]
            results = []
            merged = leads
            for case, target, method, path, body, after_merge in calls:
                timings = []
                for _ in range(READ_REPEATS + 1):  # the first call warms the worker: imports and clients
                    if after_merge:
                        _store_lead(merged)
                        merged += 1
                    started = time.perf_counter()
                    response = session.request(method, api + path, json=body, timeout=120)
                    timings.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise RuntimeError(f"{case}: {response.status_code} {response.text[:300]}")
                results.append(
                    {
                        "case": f"{case} at {leads:,} leads (HTTP, median of {READ_REPEATS})",
                        "rows": leads,
                        "seconds": round(statistics.median(timings[1:]), 3),
                        "target_seconds": target,
                    }
                )
            return results
        finally:
            gateway.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="rows in the generated CSV (50000)")
    parser.add_argument("--read-leads", type=int, default=50_000, help="leads for the read-path cases (50000)")
    parser.add_argument("--reads-only", action="store_true", help="only the read-path cases")
    parser.add_argument(
        "--read-store", type=Path, help="a data directory to keep the read cases' leads in, for the next run"
    )
    parser.add_argument("--hostile-only", action="store_true", help="only the hostile-file reads")
    parser.add_argument("--imports-only", action="store_true", help="only the handlers' import times")
    parser.add_argument("--llm-only", action="store_true", help="only the stand-in model cases (5,000 and --rows)")
    parser.add_argument("--undo-rows", type=int, default=10_000, help="rows of the undo cases' CSV (10000)")
    parser.add_argument("--undo-only", action="store_true", help="only the undo cases")
    args = parser.parse_args()
    results = measure_handler_imports()
    if args.imports_only:
        print_table(results)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        path = write_csv(Path(scratch) / f"messy-{args.undo_rows}.csv", messy_leads(args.undo_rows, seed=5).rows)
        results += measure_undo(path, Path(scratch))
    if args.undo_only:
        _save(results)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        for rows in sorted({5_000, args.rows}):
            path = write_csv(Path(scratch) / f"varied-{rows}.csv", with_many_values(messy_leads(rows, seed=5).rows, 7))
            results += measure_llm(path, Path(scratch))
    if args.llm_only:
        _save(results)
        return 0
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
                measure_import(big, target_seconds=180 if args.rows == 50_000 else None),
            ]
    results += measure_reads(args.read_leads, args.read_store)
    _save(results)
    return 0


def _save(results: list[dict]) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    llm = [row for row in results if "llm_calls_per_1000_leads" in row]
    if llm:
        print()
        print_table(llm, LLM_COLUMNS)
    undo = [row for row in results if "slowdown" in row or "every_created_lead_deleted" in row]
    if undo:
        print()
        print_table(undo, UNDO_COLUMNS)
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")


UNDO_COLUMNS = [
    "case",
    "rows",
    "seconds",
    "seconds_before_undo",
    "slowdown",
    "cpu_seconds",
    "cpu_seconds_before_undo",
    "cpu_slowdown",
    "target_slowdown",
    "deleted",
    "every_created_lead_deleted",
]
LLM_COLUMNS = [
    "case",
    "rows",
    "seconds",
    "time_vs_rules_only",
    "llm_calls_per_1000_leads",
    "seed_llm_calls_per_1000_leads",
    "prompt_chars_per_lead",
    "seed_prompt_chars_per_lead",
    "prompt_tokens_per_1000_leads",
    "completion_tokens_per_1000_leads",
    "same_contacts_and_counts_as_rules_only",
]


def print_table(results: list[dict], columns: list[str] | None = None) -> None:
    columns = columns or [
        "case",
        "rows",
        "seconds",
        "target_seconds",
        "rows_per_second",
        "peak_rss_mb",
        "peak_rss_all_processes_mb",
        "target_rss_mb",
        "peak_python_heap_mb",
    ]
    widths = {column: max(len(column), *(len(str(row.get(column, ""))) for row in results)) for column in columns}
    print("  ".join(column.ljust(widths[column]) for column in columns))
    for row in results:
        print("  ".join(str(row.get(column, "")).ljust(widths[column]) for column in columns))


if __name__ == "__main__":
    sys.exit(main())
