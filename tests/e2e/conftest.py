"""The whole app as a user starts it: `scripts/easycrm serve --port 0` in a child process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests

from scripts.local_stack.cli import create_user

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_USER = "demo@example.com"
DEMO_PASSWORD = "E2e-Demo-Passw0rd"
STARTUP_SECONDS = 60


@dataclass
class RunningApp:
    url: str
    moto_endpoint: str  # printed by `serve` for developers; only this machine can reach it
    config: dict

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


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    environment = {**os.environ, "EASYCRM_DEMO_USER": DEMO_USER, "EASYCRM_DEMO_PASSWORD": DEMO_PASSWORD}
    with log.open("w") as output:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(
            [str(REPO_ROOT / "scripts" / "easycrm"), "serve", "--port", "0"],
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        banner = _wait_for_start(process, log)
        url = re.search(r"Easy CRM is running at (\S+)", banner)[1]
        moto_endpoint = re.search(r"Local AWS endpoint \(moto\): (\S+)", banner)[1]
        assert f"Sign in as {DEMO_USER} with password {DEMO_PASSWORD}" in banner
        config = requests.get(f"{url}/config.json", timeout=10).json()
        yield RunningApp(url, moto_endpoint, config)
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            exit_code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert exit_code == 0, log.read_text()
    with pytest.raises(requests.ConnectionError):  # moto stopped with it
        requests.get(moto_endpoint, timeout=5)
