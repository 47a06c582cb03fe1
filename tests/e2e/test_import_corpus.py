"""The import corpus through `scripts/easycrm import DIR --json`: however hostile a file, the importer
survives it and every upload ends, accounted for.

The corpus (scripts/make_import_corpus.py) is every hostile file of tests/support/hostile_files.py plus
realistic contact exports. By default this runs 100 files with `--small` sizes (a few minutes);
EASYCRM_CORPUS_COUNT sets the number of files and EASYCRM_CORPUS_FULL=1 the full sizes (5,600 sheets, a
million repeated rows, exports of up to 3,000 rows: far longer). The full run by hand:

    .venv/bin/python scripts/make_import_corpus.py /tmp/corpus
    scripts/easycrm import /tmp/corpus --json > /tmp/corpus.json
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.make_import_corpus import FULL, HEADER_ONLY, SMALL, build_corpus, realistic_shape

REPO = Path(__file__).resolve().parents[2]
EASYCRM = REPO / "scripts" / "easycrm"
COUNTERS = ("created", "updated", "rejected", "failed", "cancelled")
FINAL = {"completed", "completed_with_errors", "failed", "cancelled"}
REFUSED_UP_FRONT = "rejected"  # the CLI's status for a file the upload API refused (type, size)
COUNT = int(os.environ.get("EASYCRM_CORPUS_COUNT", "100"))
SCALE = FULL if os.environ.get("EASYCRM_CORPUS_FULL") == "1" else SMALL
WAIT_SECONDS = 900 if SCALE is FULL else 240  # `import --timeout`: how long uploads may take to end
STARTUP_AND_UPLOAD_SECONDS = 300
ARTIFACTS = REPO / "artifacts" / "import-corpus"  # the last run's summaries and stderr, kept for reading


@dataclass
class CorpusRun:
    files: list[Path]
    returncode: int
    stdout: str
    stderr: str
    saved: Path  # where stdout (the summaries) and stderr were written, to read after a failure

    def summaries(self) -> list[dict]:
        assert self.stdout.strip(), f"no summaries (exit code {self.returncode}):\n{self.stderr_tail()}"
        return json.loads(self.stdout)

    def stderr_tail(self, lines: int = 40) -> str:
        """The end of stderr without the metric lines (EMF JSON) the pipeline logs."""
        text = [line for line in self.stderr.splitlines() if not line.startswith('{"_aws"')]
        return "\n".join(text[-lines:]) + f"\n(everything: {self.saved})"

    def by_file(self) -> dict[str, dict]:
        return {summary["fileName"]: summary for summary in self.summaries()}


def run_import(directory: Path) -> tuple[int, str, str]:
    """`scripts/easycrm import DIR --json` in its own process group, so a timeout stops the whole stack."""
    process = subprocess.Popen(
        [sys.executable, str(EASYCRM), "import", str(directory), "--json", "--timeout", str(WAIT_SECONDS)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=WAIT_SECONDS + STARTUP_AND_UPLOAD_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the stack shuts moto and the workers down
        try:
            stdout, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        stderr += "\n[test] killed: the import did not return in time"
    return process.returncode, stdout, stderr


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory) -> CorpusRun:
    directory = tmp_path_factory.mktemp("corpus")
    files = build_corpus(directory, COUNT, scale=SCALE)
    returncode, stdout, stderr = run_import(directory)
    saved = ARTIFACTS
    saved.mkdir(parents=True, exist_ok=True)
    (saved / "summaries.json").write_text(stdout, encoding="utf-8")
    (saved / "stderr.txt").write_text(stderr, encoding="utf-8")
    return CorpusRun(files, returncode, stdout, stderr, saved)


def assert_no_summary(run: CorpusRun, broken: Callable[[dict], bool], what: str) -> None:
    """Fail naming every file whose summary `broken` flags, each with its summary."""
    flagged = [f"  {json.dumps(summary, ensure_ascii=False)[:500]}" for summary in run.summaries() if broken(summary)]
    assert not flagged, f"{len(flagged)} uploads {what}:\n" + "\n".join(flagged) + f"\n(all: {run.saved})"


def test_the_importer_survives_every_file(corpus_run):
    # A negative code is a signal (-6: calamine aborted the process); 134 is the same abort via a shell.
    assert corpus_run.returncode >= 0, f"killed by signal {-corpus_run.returncode}:\n{corpus_run.stderr_tail()}"
    assert corpus_run.returncode != 134, corpus_run.stderr_tail()
    # cli.py exits 1 when any upload is not final, and a refused file (status "rejected") never started one;
    # an exception would also exit 1, but without the summaries on stdout
    not_final = [summary for summary in corpus_run.summaries() if summary["status"] not in FINAL]
    assert corpus_run.returncode == (1 if not_final else 0), corpus_run.stderr_tail()


def test_every_file_gets_one_summary(corpus_run):
    assert sorted(corpus_run.by_file()) == sorted(path.name for path in corpus_run.files)
    assert len(corpus_run.summaries()) == len(corpus_run.files)


def test_every_upload_ends_in_a_final_state(corpus_run):
    # never uploading, uploaded or processing: an upload left like that is stranded
    assert_no_summary(corpus_run, lambda s: s["status"] not in FINAL | {REFUSED_UP_FRONT}, "never ended")


def test_only_what_the_upload_api_refuses_is_refused_up_front(corpus_run):
    """Empty files (size 0), a .vcf and a file over the 25 MB limit; each refusal says why."""
    refused = {name for name, summary in corpus_run.by_file().items() if summary["status"] == REFUSED_UP_FRONT}
    expected = {path.name for path in corpus_run.files if _refused_by_the_upload_api(path)}
    assert refused == expected
    assert_no_summary(corpus_run, lambda s: s["status"] == REFUSED_UP_FRONT and not _says_why(s), "refused silently")


def _refused_by_the_upload_api(path: Path) -> bool:
    return path.stat().st_size == 0 or path.suffix == ".vcf" or path.stat().st_size > 25 * 2**20


def _says_why(summary: dict) -> bool:
    return bool((summary.get("error") or "").strip())


def test_every_row_is_accounted_for(corpus_run):
    assert_no_summary(
        corpus_run, lambda s: s["rows"] != sum(s[counter] for counter in COUNTERS), "have rows != the counters' sum"
    )


def test_a_failed_upload_without_rows_says_why(corpus_run):
    assert_no_summary(
        corpus_run, lambda s: s["status"] == "failed" and s["rows"] == 0 and not _says_why(s), "failed silently"
    )


def realistic(run: CorpusRun, *, email_on_every_row: bool = False) -> set[str]:
    """The realistic exports with data rows (not cut after the header), optionally only those whose
    every data row holds a valid email."""
    names = set()
    for path in run.files:
        shape = realistic_shape(path.name)
        if shape and HEADER_ONLY not in path.name and (shape.email_on_every_row or not email_on_every_row):
            names.add(path.name)
    return names


def test_realistic_exports_do_not_fail(corpus_run):
    """HubSpot, Salesforce, Outlook … files are what the product is for: none may end `failed`."""
    exports = realistic(corpus_run)
    assert_no_summary(
        corpus_run, lambda s: s["fileName"] in exports and s["status"] == "failed", "are exports that failed"
    )


def test_realistic_exports_with_an_email_on_every_row_make_leads(corpus_run):
    """Beyond accounting: an export where every contact has an email must not have every row rejected."""
    exports = realistic(corpus_run, email_on_every_row=True)
    assert_no_summary(
        corpus_run,
        lambda s: s["fileName"] in exports and s["rows"] > 0 and s["created"] + s["updated"] == 0,
        "are exports with an email on every row that made no lead",
    )
