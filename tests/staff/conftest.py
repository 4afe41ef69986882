"""A real console server on a free loopback port over a fresh SQLite case database with the demo data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from loopback import ROOT, free_port

PASSWORD = "staff-Test-passw0rd"


@dataclass
class Console:
    """A running console: its URL, database and the demo password."""

    url: str
    db_url: str
    env: dict[str, str]
    password: str = PASSWORD

    def case_store(self) -> Any:
        """A SQL case store on the console's database, with its data key."""
        from bot import crypto
        from bot.cases.sql_store import SqlCaseStore

        return SqlCaseStore(self.db_url, cipher=crypto.DataCipher.from_strings(self.env["CASE_DATA_KEY"]))

    def session(self, username: str = "agent", password: str | None = None) -> requests.Session:
        """A signed-in HTTP session."""
        http = requests.Session()
        response = login(http, self.url, username, password or self.password)
        assert response.status_code == 303, response.text[:500]
        return http


def login_csrf(http: requests.Session, url: str) -> str:
    page = http.get(f"{url}/login", timeout=10)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(http: requests.Session, url: str, username: str, password: str) -> requests.Response:
    token = login_csrf(http, url)
    return http.post(
        f"{url}/login",
        data={"csrf_token": token, "username": username, "password": password, "next": "/"},
        allow_redirects=False,
        timeout=30,
    )


def page_csrf(http: requests.Session, url: str) -> str:
    page = http.get(f"{url}/", timeout=10)
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def start_console(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.staff"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the console exited during start-up")
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
            return proc
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still starting on a busy machine
            time.sleep(0.3)
    proc.kill()
    pytest.fail("the console did not start within 60 s")


def _data_key() -> str:
    from bot import crypto

    return crypto.generate_key()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    db = tmp_path_factory.mktemp("console") / "cases.db"
    port = free_port()
    env = dict(
        os.environ,
        CASE_DB_URL=f"sqlite:///{db}",
        CASE_API_URL="",
        CONSOLE_PORT=str(port),
        CONSOLE_DEMO_PASSWORD=PASSWORD,
        RASA_API_TOKEN="console-tests-token",
        ACTIONS_TOKEN="console-tests-actions-token",
        CASE_DATA_KEY=_data_key(),
        RASA_PORT=str(free_port()),  # nothing listens there: pages that need Rasa say so
        ASSISTANT_TODAY="2026-11-28",
    )
    subprocess.run([sys.executable, "-m", "bot", "db"], cwd=ROOT, env=env, check=True, capture_output=True)
    proc = start_console(env, port)
    yield Console(url=f"http://127.0.0.1:{port}", db_url=env["CASE_DB_URL"], env=env)
    proc.terminate()
    proc.wait(timeout=20)
