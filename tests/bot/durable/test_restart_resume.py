"""A registration interrupted by stopping and restarting the servers continues where it was and completes.

This runs ``python -m bot serve`` (what ``make run`` starts) twice on the same databases: on the embedded
default (SQLite files) and on PostgreSQL with the Redis lock store. Afterwards neither the tracker rows
nor the tracker's SQLite files (database, WAL) hold the registration's ID number or phone number in clear.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from loopback import free_port, postgres_schema, wait_for_rasa

from bot.validation import id_check_digit

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "models" / "assistant.tar.gz"
TOKEN = "restart-test-token"


class Assistant:
    """``python -m bot serve`` on free ports, started and stopped on demand."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.rasa = f"http://127.0.0.1:{env['RASA_PORT']}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        failure = wait_for_rasa(self.rasa, TOKEN, self.proc, self.log)
        if failure:
            pytest.fail(failure)

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def say(self, sender: str, text: str) -> str:
        reply = requests.post(
            f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        reply.raise_for_status()
        return "\n".join(m.get("text", "") for m in reply.json())


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Case and tracker database URLs: SQLite files in a data directory, or PostgreSQL schemas."""
    if request.param == "sqlite":
        data = tmp_path / "var"
        yield {"CASE_DB_URL": f"sqlite:///{data / 'cases.db'}", "TRACKER_DB_URL": f"sqlite:///{data / 'tracker.db'}"}
        return
    with postgres_schema(request.getfixturevalue("pg_base_url"), "restart") as url:
        yield {"CASE_DB_URL": url, "TRACKER_DB_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/0"}


def test_registration_survives_a_restart_after_the_third_answer(databases: dict[str, str], tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    first17 = f"37132819900115{uuid.uuid4().int % 1000:03d}"  # born 1990-01-15, a random sequence
    person, phone = first17 + id_check_digit(first17), f"139{uuid.uuid4().int % 10**8:08d}"
    env = dict(
        os.environ,
        RASA_PORT=str(free_port()),
        ACTIONS_PORT=str(free_port()),
        CONSOLE_PORT=str(free_port()),
        RASA_API_TOKEN=TOKEN,
        ASSISTANT_TODAY="2026-11-28",
        WECHAT_API_BASE="http://127.0.0.1:9",
        REDIS_URL="",
        EVENT_BROKER_URL=f"sqlite:///{tmp_path / 'var' / 'events.db'}",
    )
    env.update(databases)
    subprocess.run([sys.executable, "-m", "bot", "db"], cwd=ROOT, env=env, check=True, capture_output=True)
    assistant = Assistant(env, tmp_path / "serve.log")
    sender = f"restart-{uuid.uuid4().hex[:8]}"

    assistant.start()
    try:
        assert "身份证" in assistant.say(sender, "我想登记找工作")
        assert "手机" in assistant.say(sender, person)
        assert "姓名" in assistant.say(sender, phone)
        assert "县区" in assistant.say(sender, "张测试")  # third answer given; the fourth question asked
    finally:
        assistant.stop()

    assistant.start()
    try:
        assert "哪一类" in assistant.say(sender, "沂南")  # the fourth answer is taken as the county
        assert "什么样的工作" in assistant.say(sender, "我是脱贫户")
        assert "本地" in assistant.say(sender, "想进厂干电工")
        assert "专车" in assistant.say(sender, "去外地")
        assert "培训" in assistant.say(sender, "要")
        summary = assistant.say(sender, "不用")
        assert "沂南县" in summary and "脱贫享受政策人口" in summary and "张测试" in summary
        done = assistant.say(sender, "确认")
        assert "已登记" in done and "DJ" in done
        health = requests.get(f"{assistant.rasa}/webhooks/health/", timeout=10)
        assert health.status_code == 200 and health.json()["tracker_store"]["state"] == "ok"
    finally:
        assistant.stop()

    # Nothing holds the ID number, the phone or the name in clear: not the case database, not the conversation
    # store, not the event broker, not the log (on SQLite: every file under the data directory).
    needles = (person, phone, "张测试")
    log = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert not [n for n in needles[:2] if n in log]
    for url in {databases["CASE_DB_URL"], databases["TRACKER_DB_URL"]}:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            for table in sa.inspect(engine).get_table_names():
                dump = "\n".join(str(tuple(row)) for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')))
                found = [line[:300] for line in dump.splitlines() if any(n in line for n in needles)]
                assert not found, (table, found[:3])  # the test's values are fictional
        engine.dispose()
    if databases["CASE_DB_URL"].startswith("sqlite"):
        folder = Path(databases["CASE_DB_URL"].removeprefix("sqlite:///")).parent
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert {"cases.db", "tracker.db", "events.db"} <= {p.name for p in files}
        for path in files:
            raw = path.read_bytes()
            assert not [n for n in needles if n.encode() in raw], path.name

    engine = sa.create_engine(databases["TRACKER_DB_URL"])
    with engine.connect() as conn:
        # The REST channel keeps its senders in their own namespace ("rest:<sender>").
        query = sa.text("SELECT data FROM events WHERE sender_id IN (:s, :ns)")
        rows = conn.execute(query, {"s": sender, "ns": f"rest:{sender}"}).scalars().all()
    engine.dispose()
    assert len(rows) > 20
    stored = "\n".join(rows)
    assert person not in stored and phone not in stored
    if databases["TRACKER_DB_URL"].startswith("sqlite"):
        tracker_file = Path(databases["TRACKER_DB_URL"].removeprefix("sqlite:///"))
        for path in tracker_file.parent.glob(tracker_file.name + "*"):  # the database, its WAL and shared memory
            raw = path.read_bytes()
            assert person.encode() not in raw and phone.encode() not in raw, path.name
