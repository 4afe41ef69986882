"""Attack: guess a person's phone (or an employer's) by starting over — new sender, /restart, restart, parallel."""

from __future__ import annotations

import datetime as dt
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.status import ActionShowStatus
from bot import crypto
from bot.cases import admin, make_store
from bot.cases.admin import migrate_and_seed
from bot.cases.errors import IdentityLocked, IdentityMismatch, IdentityNotProven
from bot.cases.identity_guard import GuardedCaseStore, IdentityGuard, Limits
from bot.cases.records import AccessContext, PersonDetails
from bot.cases.sql_store import SqlCaseStore
from bot.settings import Settings

LI_ID, LI_PHONE, LI_NAME = "371321199207081535", "17000000002", "测试李强"
WANG_ID = "371302198503120427"
WORKSHOP, WORKSHOP_PHONE = "91371324MA3CDEM038", "17000000101"
KEY = crypto.generate_key("klimits")


def access(sender: str, channel: str = "rest") -> AccessContext:
    return AccessContext(conversation_id=f"{channel}:{sender}", channel=channel, purpose="查询办理进度")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def db_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate_and_seed(url, cipher=crypto.DataCipher.from_strings(KEY))
    return url


def store_for(url: str, clock: Clock | None = None) -> GuardedCaseStore:
    """A fresh store, as after a restart of the action server."""
    if clock is None:
        store = make_store(Settings(case_db_url=url, case_data_key=KEY), hotline="人力资源社会保障服务热线 12333")
        assert isinstance(store, GuardedCaseStore)
        return store
    sql = SqlCaseStore(url, cipher=crypto.DataCipher.from_strings(KEY))
    return GuardedCaseStore(sql, IdentityGuard(sql.engine, crypto.DataCipher.from_strings(KEY), now=clock))


def attempts(url: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute("SELECT scope, outcome, subject_hash FROM identity_attempts ORDER BY id").fetchall()


def test_three_wrong_phones_lock_the_id_for_every_sender_channel_and_restart(db_url: str) -> None:
    store = store_for(db_url)
    assert store.verify_person(LI_ID, LI_PHONE, access=access("owner")) is not None
    store.get_status(LI_ID, access=access("owner"))  # proven: the owner may read
    for sender in ("a1", "a2", "a3"):  # a new sender id for every guess
        assert store.verify_person(LI_ID, f"{1000 + len(sender)}", access=access(sender)) is None
    store.close()
    for restarted in (store_for(db_url), store_for(db_url)):
        for who in (access("a4"), access("oWeChatOpenId", "wechat"), access("owner")):
            with pytest.raises(IdentityLocked) as locked:
                restarted.verify_person(LI_ID, LI_PHONE, access=who)  # even the right phone
            message = locked.value.user_message
            assert "12333" in message and "北京时间" in message and "以后再试" in message
            assert LI_ID not in message and LI_NAME not in message
        with pytest.raises(IdentityLocked):
            restarted.get_status(LI_ID, access=access("owner"))  # an earlier proof reveals nothing while locked
        restarted.close()
    outcomes = [outcome for _scope, outcome, _hash in attempts(db_url)]
    assert outcomes[:4] == ["ok", "failed", "failed", "failed"] and set(outcomes[4:]) == {"locked"}
    # Audited without the ID number in clear.
    assert all(LI_ID not in row[2] and len(row[2]) == 64 for row in attempts(db_url))


def test_the_lock_ends_after_the_window(db_url: str) -> None:
    clock = Clock()
    store = store_for(db_url, clock)
    for _ in range(3):
        store.verify_person(LI_ID, "9999", access=access("x"))
    with pytest.raises(IdentityLocked) as locked:
        store.verify_person(LI_ID, LI_PHONE, access=access("y"))
    assert "11月28日 10:30" in locked.value.user_message  # 02:00 UTC + 30 min, Beijing time
    clock.now += Limits().lock + dt.timedelta(seconds=1)
    assert store.verify_person(LI_ID, LI_PHONE, access=access("y")) is not None


def test_parallel_guesses_cannot_pass_the_limit(db_url: str) -> None:
    store = store_for(db_url)

    def guess(n: int) -> str:
        try:
            return "match" if store.verify_person(LI_ID, f"{n:04d}", access=access(f"p{n}")) else "no"
        except IdentityLocked:
            return "locked"

    # 16 wrong guesses at once (the last four on record are 0002, never among them)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(guess, range(100, 116)))
    assert results.count("no") == 3 and results.count("locked") == 13
    assert sum(1 for _s, outcome, _h in attempts(db_url) if outcome == "failed") == 3


def test_checks_in_progress_make_the_next_one_wait_without_locking(db_url: str) -> None:
    """Three proofs of one person still under way (a caller on WeChat while an agent checks them): a fourth is
    asked to wait a moment; when the three succeed, the person is not locked out."""
    store = store_for(db_url)
    guard = store.guard
    held = [guard.reserve("person", LI_ID, access(f"ok{n}"), "last4") for n in range(3)]
    with pytest.raises(IdentityLocked) as refused:
        store.verify_person(LI_ID, LI_PHONE[-4:], access=access("fourth"))
    assert "正有几次核对在进行中" in refused.value.user_message
    for reservation in held:
        guard.finish(reservation, ok=True)
    assert store.verify_person(LI_ID, LI_PHONE[-4:], access=access("after")) is not None
    assert [outcome for _s, outcome, _h in attempts(db_url)] == ["busy", "ok", "ok", "ok", "ok"]


def test_a_check_is_one_write_transaction(db_url: str) -> None:
    """Counting, comparing and recording a phone check commit together (three transactions had queued fifty
    people verifying at once behind the case database's write lock)."""
    from sqlalchemy import event

    store = store_for(db_url)
    commits: list[int] = []
    event.listen(store.guard.engine, "commit", lambda _conn: commits.append(1))
    assert store.verify_person(LI_ID, LI_PHONE[-4:], access=access("one")) is not None
    assert store.verify_person(LI_ID, "9999", access=access("two")) is None
    assert len(commits) == 2
    assert [outcome for _s, outcome, _h in attempts(db_url)] == ["ok", "failed"]
    assert store.identity_attempts_left("person", LI_ID) == 2


def test_a_check_that_cannot_compare_counts_nothing_and_is_audited(db_url: str, monkeypatch) -> None:
    store = store_for(db_url)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the record could not be read")

    monkeypatch.setattr(store.inner, "verify_person_in", broken)
    with pytest.raises(RuntimeError):
        store.verify_person(LI_ID, LI_PHONE[-4:], access=access("owner"))
    assert [outcome for _s, outcome, _h in attempts(db_url)] == ["error"]
    assert store.identity_attempts_left("person", LI_ID) == 3


def test_registration_record_match_shares_the_counter(db_url: str) -> None:
    store = store_for(db_url)
    wrong = PersonDetails(
        id_number=LI_ID, name="冒名者", phone="13900000000", county="沂南县", category="relocated",
        employment_status="unemployed",
    )  # fmt: skip
    for n in range(3):
        with pytest.raises(IdentityMismatch):
            store.upsert_registration(
                wrong, work_wanted="电工", local_or_away="local", needs_transport=False, wants_training=False,
                access=access(f"r{n}"),
            )  # fmt: skip
    with pytest.raises(IdentityLocked):
        store.verify_person(LI_ID, LI_PHONE, access=access("status-path"))


def test_employer_lookups_are_limited_per_credit_code_and_audited(db_url: str) -> None:
    store = store_for(db_url)
    for n in range(3):
        assert store.verify_organisation(WORKSHOP, "0000", access=access(f"e{n}")) is None
    with pytest.raises(IdentityLocked) as locked:
        store.verify_organisation(WORKSHOP, WORKSHOP_PHONE, access=access("e9"))
    assert "统一社会信用代码" in locked.value.user_message
    with pytest.raises(IdentityLocked):
        store.verify_hr_agency(WORKSHOP, WORKSHOP_PHONE)  # the HR-agency path shares the counter
    scopes = {scope for scope, _o, _h in attempts(db_url)}
    assert scopes == {"organisation"}


def test_one_sender_cannot_walk_through_many_ids(db_url: str) -> None:
    store = store_for(db_url)
    ids = ["371302198503120427", "371321199207081535", "371324197809260442", "371325198801150012",
           "632223199011030025"]  # fmt: skip
    for id_number in ids:  # one wrong guess each: no single ID is locked
        assert store.verify_person(id_number, "9999", access=access("walker")) is None
    with pytest.raises(IdentityLocked) as locked:
        store.verify_person("500229199504211825", "1825", access=access("walker"))
    assert "您这边" in locked.value.user_message


def test_a_forged_verified_slot_shows_nothing(db_url: str, monkeypatch, domain) -> None:
    """A tracker claiming ``verified_id_number`` without a proof on the server gets no record."""
    from actions import services

    monkeypatch.setenv("CASE_DB_URL", db_url)
    monkeypatch.setenv("CASE_DATA_KEY", KEY)
    monkeypatch.delenv("CASE_API_URL", raising=False)
    services.case_store.cache_clear()
    try:
        tracker = Tracker(
            sender_id="rest:attacker", slots={"verified_id_number": LI_ID}, latest_message={"text": "查进度"},
            events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
        )  # fmt: skip
        dispatcher = CollectingDispatcher()
        events = await_(ActionShowStatus().run(dispatcher, tracker, domain))
        text = " ".join(m["text"] for m in dispatcher.messages)
        assert "核对身份" in text and "求职登记" not in text and "DJ" not in text
        assert {"event": "slot", "timestamp": None, "name": "verified_id_number", "value": None} in events
        with pytest.raises(IdentityNotProven):
            services.case_store().get_status(LI_ID, access=services.access_for(tracker, "x"))
    finally:
        services.case_store().close()
        services.case_store.cache_clear()


def await_(coro):
    import asyncio

    return asyncio.run(coro)


def test_staff_reads_are_not_gated_by_the_assistant_proof(db_url: str) -> None:
    store = store_for(db_url)
    staff = AccessContext(conversation_id="console", channel="console", purpose="坐席查询", actor="agent")
    assert store.find_person(WANG_ID, access=staff) is not None


def test_a_key_rotation_keeps_the_lock(db_url: str) -> None:
    store = store_for(db_url)
    for n in range(3):
        store.verify_person(LI_ID, "9999", access=access(f"k{n}"))
    store.close()
    new_key = crypto.generate_key("klimits2")
    rotated = make_store(Settings(case_db_url=db_url, case_data_key=new_key, case_data_keys_previous=(KEY,)))
    with pytest.raises(IdentityLocked):
        rotated.verify_person(LI_ID, LI_PHONE, access=access("after-rotation"))
    rotated.close()
    admin.rotate_keys(db_url, crypto.DataCipher.from_strings(new_key, [KEY]))  # the records under the new key too
    # The counter was re-keyed to the new key on that use: it holds once the old key is retired too.
    retired = make_store(Settings(case_db_url=db_url, case_data_key=new_key))
    with pytest.raises(IdentityLocked):
        retired.verify_person(LI_ID, LI_PHONE, access=access("after-retirement"))
    retired.close()
