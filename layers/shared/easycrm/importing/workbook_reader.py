"""Workbooks (.xlsx, .xlsm, .xls, .ods) read in a bounded child process, so no file can take this one down.

python-calamine can abort the process (an allocation of hundreds of GB for cells far apart), raise
`PanicException` (a BaseException) on a damaged file, or spend minutes on a pathological one. The child
(workbook_process.py) gets the bytes on stdin, runs under an address-space and CPU limit and a
wall-clock deadline, and streams the rows back; however it ends, this side turns the ending into
UnreadableFile with a message the user understands, and the splitter (or `scripts/easycrm import`, or
the local server) carries on.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO

from easycrm.errors import UnreadableFile
from easycrm.observability import logger

Row = tuple[int, list[str]]

# The splitter has 2,048 MB; the child may use up to this much address space (it needs ~100 bytes per
# cell: a 200,000 x 10 sheet peaks at 210 MB), leaving the parent ample room.
CHILD_ADDRESS_SPACE_BYTES = 1280 * 1024 * 1024
CHILD_CPU_SECONDS = 600
CHILD_WALL_SECONDS = 660  # the splitter's timeout is 900 s; leave time to report the failure
_STDERR_TAIL_BYTES = 64 * 1024


def _kind(extension: str) -> str:
    return "OpenDocument spreadsheet" if extension == ".ods" else "Excel workbook"


def _limit_child() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE_BYTES, CHILD_ADDRESS_SPACE_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child_environment() -> dict[str, str]:
    """The child imports easycrm and python_calamine from wherever this process found them."""
    # RUST_BACKTRACE=0: a panic's backtrace would bury the one line that says what went wrong.
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path), "RUST_BACKTRACE": "0"}


class _ChildReader:
    """The child's stream of documents, and what to tell the user if it ends early."""

    def __init__(self, fileobj: BinaryIO, extension: str):
        self.extension = extension
        self.sheet: str | None = None  # the worksheet being read, for the message if the child dies
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "easycrm.importing.workbook_process", extension],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=_child_environment(),
            preexec_fn=_limit_child,
        )
        self.timed_out = False
        self._deadline = threading.Timer(CHILD_WALL_SECONDS, self._kill_for_time)
        self._deadline.daemon = True
        self._deadline.start()
        self._feeder = threading.Thread(target=self._feed, args=(fileobj,), daemon=True)
        self._feeder.start()

    def _feed(self, fileobj: BinaryIO) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        fileobj.seek(0)
        with contextlib.suppress(BrokenPipeError, OSError):  # the child may die before reading it all
            shutil.copyfileobj(fileobj, stdin)
        with contextlib.suppress(BrokenPipeError, OSError):
            stdin.close()

    def _kill_for_time(self) -> None:
        self.timed_out = True
        with contextlib.suppress(ProcessLookupError):
            self._process.kill()

    def documents(self) -> Iterator[object]:
        stdout = self._process.stdout
        assert stdout is not None
        for line in stdout:
            try:
                yield json.loads(line)
            except ValueError:
                break  # a line cut short by the child's death
        raise self._early_end()

    def _early_end(self) -> UnreadableFile:
        """The stream ended without {"end"}: say why, in the user's terms."""
        self._process.wait()
        self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, self._stderr.tell() - _STDERR_TAIL_BYTES))
        diagnostics = self._stderr.read().decode("utf-8", "replace")
        code = self._process.returncode
        logger.warning("Workbook reader ended early", extra={"exitCode": code, "stderr": diagnostics[-500:]})
        kind = _kind(self.extension)
        if self.timed_out or code == -signal.SIGXCPU:
            return UnreadableFile(
                f"This {kind} took more than {CHILD_WALL_SECONDS // 60} minutes to read. "
                "Split it into smaller files or save it as CSV."
            )
        out_of_memory = "memory allocation" in diagnostics or "MemoryError" in diagnostics
        if out_of_memory or code == -signal.SIGKILL:
            return UnreadableFile(
                f"This {kind} needs more memory to open than Easy CRM allows for one file: it may hold cells "
                "far apart or be a compressed bomb. Save it again without unused cells, or as CSV."
            )
        where = f": worksheet '{self.sheet}' is damaged." if self.sheet else ": it may be damaged."
        return UnreadableFile(f"This file is not a valid {kind}{where}")

    def close(self) -> None:
        self._deadline.cancel()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdout, self._stderr):
            if stream is not None:
                stream.close()
        self._feeder.join(timeout=5)


class _SheetRows:
    """One worksheet's rows, read from the child's stream as they are consumed.

    If the caller moves on to the next worksheet (or past the last) before finishing this one, the rest
    of its rows are drained into memory first, so they stay readable and the stream stays in step.
    """

    def __init__(self, documents: Iterator[object], pending: list[object]):
        self._documents = documents
        self._pending = pending  # where the first document after these rows is left for the caller
        self._buffer: deque[Row] = deque()
        self._live = True

    def __iter__(self) -> _SheetRows:
        return self

    def __next__(self) -> Row:
        if self._buffer:
            return self._buffer.popleft()
        row = self._read() if self._live else None
        if row is None:
            raise StopIteration
        return row

    def _read(self) -> Row | None:
        document = next(self._documents)  # an early end raises UnreadableFile, never StopIteration
        if isinstance(document, list):
            return int(document[0]), [str(cell) for cell in document[1]]
        self._pending.append(document)
        self._live = False
        return None

    def drain(self) -> None:
        while self._live:
            row = self._read()
            if row is not None:
                self._buffer.append(row)


def workbook_sheets(fileobj: BinaryIO, extension: str) -> Iterator[tuple[str, Iterator[Row]]]:
    """Each worksheet that has cells, as (label, its non-blank rows); raises UnreadableFile."""
    reader = _ChildReader(fileobj, extension)
    try:
        documents = reader.documents()
        labels: list[str] = []
        pending: list[object] = []
        rows: _SheetRows | None = None
        while True:
            if rows is not None:
                rows.drain()
            document = pending.pop() if pending else next(documents)
            if not isinstance(document, dict):
                raise UnreadableFile(f"This file is not a valid {_kind(extension)}: a row came before its worksheet.")
            if "error" in document:
                raise UnreadableFile(str(document["error"]))
            if "end" in document:
                return
            if "sheets" in document:
                labels = [str(label) for label in document["sheets"]]
            elif "sheet" in document:
                reader.sheet = labels[int(document["sheet"])]
                rows = _SheetRows(documents, pending)
                yield reader.sheet, rows
    finally:
        reader.close()
