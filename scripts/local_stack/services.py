"""The embedded AWS services, each a child process reached over HTTP on 127.0.0.1:

- DynamoDB: dynalite (Node, LevelDB on disk): real indexes, each request applied atomically, persistent.
- S3: s3rver (Node, plain files on disk): presigned POST and GET, CORS, multipart uploads, persistent;
  it reports each object change, which the stack turns into the bucket's S3 notifications.
- SQS and Cognito: moto (Python, in memory). Nothing in them needs to outlive the server: batches in
  flight are settled at the next start (see recovery.py), and the user pool is rebuilt identically
  from the data directory's seed (see stack.py).

Every child prints `port N` once it listens and exits when its stdin closes, so a parent that stops or
dies leaves no orphan behind; each runs in its own process group, so Ctrl-C reaches only the parent,
which then stops them in order.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_SERVICES = Path(__file__).with_name("node_services.mjs")
# s3rver accepts requests signed with its one built-in key pair; moto and dynalite take any.
ACCESS_KEY_ID = "S3RVER"
SECRET_ACCESS_KEY = "S3RVER"


class ServiceStartError(RuntimeError):
    """An embedded service did not come up; the message says which and why."""


class ServiceProcess:
    """One embedded service in a child process; `on_line` receives what it prints after `port N`."""

    def __init__(self, name: str, command: list[str], on_line: Callable[[str], None] | None = None):
        self.name = name
        self.command = command
        self.on_line = on_line
        self.endpoint = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        process = self._process = subprocess.Popen(
            self.command,
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            process_group=0,
        )
        assert process.stdout is not None and process.stderr is not None  # both are pipes, as asked above
        ready = process.stdout.readline().strip()
        if not ready.startswith("port "):
            process.kill()
            detail = (process.stderr.read() or "").strip().splitlines()
            raise ServiceStartError(f"{self.name} did not start: {detail[-1] if detail else 'no output'}")
        self.endpoint = f"http://127.0.0.1:{ready.split()[1]}"
        threading.Thread(target=self._relay, args=(process.stdout,), name=f"{self.name}-out", daemon=True).start()
        threading.Thread(
            target=self._forward_errors, args=(process.stderr,), name=f"{self.name}-err", daemon=True
        ).start()

    def _relay(self, stream: IO[str]) -> None:
        for line in stream:
            if self.on_line:
                self.on_line(line.rstrip("\n"))

    def _forward_errors(self, stream: IO[str]) -> None:
        for line in stream:
            sys.stderr.write(f"[{self.name}] {line}")

    def stop(self) -> None:
        if self._process:
            if self._process.stdin:
                self._process.stdin.close()  # the child exits when its stdin closes
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None


def node_service(
    name: str, service: str, directory: Path, on_line: Callable[[str], None] | None = None
) -> ServiceProcess:
    node = shutil.which("node")
    if node is None:
        raise ServiceStartError("Node.js is not installed: the local DynamoDB and S3 run on it (see README)")
    if not (REPO_ROOT / "node_modules" / "dynalite").is_dir():
        raise ServiceStartError("node_modules is missing dynalite and s3rver: run `make setup`")
    directory.mkdir(parents=True, exist_ok=True)
    # s3rver makes ListObjects continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider:
    # without it, every listing longer than a page (1,000 keys) fails.
    command = [node, "--openssl-legacy-provider", str(NODE_SERVICES), service, str(directory)]
    return ServiceProcess(name, command, on_line)


def moto_service() -> ServiceProcess:
    return ServiceProcess("moto", [sys.executable, "-m", "scripts.local_stack.moto_process"])


def s3_events(handler: Callable[[dict], None]) -> Callable[[str], None]:
    """What s3rver prints after its port: one `event {json}` line per object change."""

    def on_line(line: str) -> None:
        kind, _, payload = line.partition(" ")
        if kind == "event":
            handler(json.loads(payload))

    return on_line
