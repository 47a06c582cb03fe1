"""The whole app as a user starts it: `scripts/easycrm serve --port 0` in a child process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests

from scripts.local_stack.stack import create_user

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_USER = "demo@example.com"
DEMO_PASSWORD = "E2e-Demo-Passw0rd"
STARTUP_SECONDS = 60


@dataclass
class RunningApp:
    url: str
    moto_endpoint: str  # printed by `serve` for developers; only this machine can reach it
    config: dict
    email: str  # the demo login `serve` printed
    password: str

    def api(self, path: str) -> str:
        return self.config["apiUrl"] + path

    def sign_in(self, email: str = DEMO_USER, password: str = DEMO_PASSWORD, client_id: str | None = None) -> dict:
        """Tokens from InitiateAuth (USER_PASSWORD_AUTH) at the cognitoEndpoint, over plain HTTP like a browser."""
        response = requests.post(
            self.config["cognitoEndpoint"],
            headers={
                "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
                "Content-Type": "application/x-amz-json-1.1",
            },
            data=json.dumps(
                {
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "ClientId": client_id or self.config["userPoolClientId"],
                    "AuthParameters": {"USERNAME": email, "PASSWORD": password},
                }
            ),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()["AuthenticationResult"]

    def headers(self, email: str = DEMO_USER, password: str = DEMO_PASSWORD) -> dict[str, str]:
        return {"Authorization": self.sign_in(email, password)["IdToken"]}

    def cognito_admin(self):
        """Cognito's administrator API, as AWS credentials reach it (moto takes any)."""
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.moto_endpoint,
            region_name=self.config["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def create_user(self, email: str, password: str, groups: tuple[str, ...] = ()) -> None:
        create_user(self.cognito_admin(), self.config["userPoolId"], email, password, groups)


def wait_for(condition, timeout: float = 30.0, what: str = "condition"):
    """The first truthy value of `condition()`, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not met in {timeout} s")


def _wait_for_start(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        output = log.read_text()
        if re.search(r"Easy CRM is running at http://127\.0\.0\.1:\d+\n", output):
            return output
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"scripts/easycrm serve did not start:\n{log.read_text()}")


@contextmanager
def serve(data_dir: Path, log: Path, environment: dict[str, str] | None = None) -> Iterator[RunningApp]:
    """`scripts/easycrm serve --port 0 --data-dir DATA_DIR` until the block ends, then Ctrl-C: it must
    exit cleanly and take its services with it."""
    with log.open("w") as output:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(
            [str(REPO_ROOT / "scripts" / "easycrm"), "serve", "--port", "0", "--data-dir", str(data_dir)],
            cwd=REPO_ROOT,
            env={**os.environ, **(environment or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        banner = _wait_for_start(process, log)
        url = re.search(r"Easy CRM is running at (\S+)", banner)[1]
        moto_endpoint = re.search(r"SQS and Cognito (\S+)", banner)[1]
        email, password = re.search(r"Sign in as (\S+) with password (\S+)", banner).groups()
        config = requests.get(f"{url}/config.json", timeout=10).json()
        yield RunningApp(url, moto_endpoint, config, email, password)
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            exit_code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert exit_code == 0, log.read_text()
    with pytest.raises(requests.ConnectionError):  # moto stopped with it
        requests.get(moto_endpoint, timeout=5)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    environment = {"EASYCRM_DEMO_USER": DEMO_USER, "EASYCRM_DEMO_PASSWORD": DEMO_PASSWORD}
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with serve(tmp_path_factory.mktemp("serve-data"), log, environment) as running:
        assert (running.email, running.password) == (DEMO_USER, DEMO_PASSWORD)
        yield running


# --- the web app in Debian's Chromium -------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"  # .ci/run installs it with apt; Playwright never downloads a browser here
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (.ci/run does)")
    if not (REPO_ROOT / "frontend" / "app.css").exists():
        raise AssertionError("frontend/app.css is not built: run `make frontend` (make test and make e2e do)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class BrowserPage:
    """A page of a fresh browser context; script errors, console errors and dialogs are recorded."""

    page: object
    errors: list[str]

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _record_console_error(message, errors: list[str]) -> None:
    """Console errors are bugs (a CSP violation, an exception), except the line Chromium logs for every
    HTTP error answer: the tests provoke some (a wrong password is a 400 from Cognito)."""
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(f"console: {message.text}")


@pytest.fixture
def web(browser, app):
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("console", lambda message: _record_console_error(message, errors))
    page.on("dialog", lambda dialog: (errors.append(f"dialog opened: {dialog.message}"), dialog.dismiss()))
    yield BrowserPage(page, errors)
    context.close()
