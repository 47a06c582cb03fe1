"""Where the local stack keeps what must outlive it: `.easycrm/` at the repository root by default.

    dynamodb/    dynalite's LevelDB: leads, upload records and their statuses, the batch ledger
    s3/          s3rver's files: uploaded files, rejected-rows reports, exports
    local.json   the seed the user pool's ids are made from, and the demo password (mode 0600)
    .lock        held while a stack uses the directory, so two never write one database

A stack without a data directory gets a fresh temporary one, deleted when it stops.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / ".easycrm"


class DataDirectoryBusy(RuntimeError):
    """Another local stack is using the directory."""


class DataDirectory:
    def __init__(self, path: Path | None):
        self.temporary = path is None
        self.path = Path(tempfile.mkdtemp(prefix="easycrm-")) if path is None else path.resolve()
        self._lock_file: IO[str] | None = None

    @property
    def dynamodb(self) -> Path:
        return self.path / "dynamodb"

    @property
    def s3(self) -> Path:
        return self.path / "s3"

    def open(self) -> DataDirectory:
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock_file = lock_file = (self.path / ".lock").open("a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            self._lock_file = None
            raise DataDirectoryBusy(
                f"{self.path} is in use by another `scripts/easycrm`; stop it, or pass another --data-dir"
            ) from None
        return self

    def close(self) -> None:
        if self._lock_file:
            self._lock_file.close()  # releases the lock
            self._lock_file = None
        if self.temporary:
            shutil.rmtree(self.path, ignore_errors=True)

    @property
    def seed(self) -> int:
        """A number drawn once per directory: the local user pool's ids and users' `sub`s derive from it,
        so the same person is the same identity after every restart."""
        return int(self._settings(lambda: {"seed": secrets.randbits(48)})["seed"])

    def demo_password(self, chosen: str | None) -> str:
        """The demo user's password: the one chosen (EASYCRM_DEMO_PASSWORD), else the one drawn at the
        directory's first start, so the same login works after a restart."""
        if chosen:
            return chosen
        # The pool asks for 12+ characters with upper case, lower case and digits; this always has them.
        drawn = f"Demo{secrets.randbelow(10**6):06d}-{secrets.token_urlsafe(6)}"
        return str(self._settings(lambda: {"demoPassword": drawn})["demoPassword"])

    def _settings(self, defaults: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        path = self.path / "local.json"
        settings = json.loads(path.read_text()) if path.exists() else {}
        missing = {key: value for key, value in defaults().items() if key not in settings}
        if missing:
            settings.update(missing)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                json.dump(settings, handle, indent=2)
        return settings
