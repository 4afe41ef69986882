"""Attack: read ID numbers, phones, names or credit codes from the logs (our code, Rasa's, SQLAlchemy's)."""

from __future__ import annotations

import io
import logging

import pytest
from people import REGISTRATION_SLOTS
from sqlalchemy import text

from actions.registration import ActionSubmitRegistration, ValidateJobSeekingForm
from bot.cases.sql_store import build_engine
from bot.privacy import MaskingFilter, install_log_masking, mask_for_log

PERSON = REGISTRATION_SLOTS
CREDIT_CODE = "91371324MA3CDEM038"
SECRETS = [PERSON["id_number"], PERSON["phone"], PERSON["person_name"], CREDIT_CODE, "13912345678"[3:]]


@pytest.fixture
def captured() -> io.StringIO:
    """Every record of every logger, at DEBUG, through the masking filter, as a handler would write it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in ("sqlalchemy.engine", "rasa", "rasa_sdk", "sanic.error"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    install_log_masking()
    assert any(isinstance(f, MaskingFilter) for f in handler.filters)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(old_level)
    for name in ("sqlalchemy.engine", "rasa", "rasa_sdk", "sanic.error"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _leaks(log: str) -> list[str]:
    return [value for value in SECRETS if value in log]


async def test_full_registration_leaves_no_personal_data_in_any_log_line(
    seeded_store, tracker_for, dispatcher, domain, captured
) -> None:
    form = ValidateJobSeekingForm()
    slots = {"id_number": PERSON["id_number"], "requested_slot": "phone"}
    await form.validate_id_number(PERSON["id_number"], dispatcher, tracker_for(PERSON["id_number"], "inform"), domain)
    await form.validate_phone(PERSON["phone"], dispatcher, tracker_for(PERSON["phone"], "inform", slots=slots), domain)
    await form.validate_person_name(PERSON["person_name"], dispatcher, tracker_for("张测试", "inform"), domain)
    await ActionSubmitRegistration().run(dispatcher, tracker_for("确认", "affirm", slots=PERSON), domain)
    assert "已登记" in dispatcher.messages[-1]["text"]
    # Rasa-style debug lines and a traceback carrying the values.
    logging.getLogger("rasa.core.processor").debug(
        "Current slot values: \n\tid_number: %s\n\tphone: %s\n\tperson_name: %s", *SECRETS[:3]
    )
    try:
        raise ValueError(f"cannot handle {PERSON['id_number']} / {PERSON['phone']} of 单位 {CREDIT_CODE}")
    except ValueError:
        logging.getLogger("rasa_sdk.endpoint").exception("Exception occurred during execution of request")
    log = captured.getvalue()
    assert "Current slot values" in log and "Traceback" in log and "ValueError" in log
    assert _leaks(log) == []


def test_failing_store_and_sqlalchemy_errors_do_not_print_parameters(tmp_path, captured) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE p (id_number TEXT UNIQUE)"))
            conn.execute(text("INSERT INTO p VALUES (:v)"), {"v": PERSON["id_number"]})
        with pytest.raises(Exception) as info, engine.begin() as conn:
            conn.execute(text("INSERT INTO p VALUES (:v)"), {"v": PERSON["id_number"]})
        assert PERSON["id_number"] not in str(info.value)  # hide_parameters
        logging.getLogger("bot.cases.sql_store").error("store failed", exc_info=info.value)
    finally:
        engine.dispose()
    from bot.cases import make_store
    from bot.cases.errors import CaseStoreError
    from bot.cases.records import AccessContext
    from bot.settings import Settings

    broken = make_store(
        Settings(case_db_url=f"sqlite:///{tmp_path}/missing/dir/cases.db", case_data_key="k:" + "A" * 43)
    )
    with pytest.raises(CaseStoreError):
        broken.verify_person(PERSON["id_number"], PERSON["phone"], access=AccessContext("c", "rest", "test"))
    log = captured.getvalue()
    assert "store failed" in log
    assert _leaks(log) == []


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("person_name: 张测试", "person_name: 张**"),
        ('{"name": "测试李强"}', '{"name": "测***"}'),
        ("姓名：王芳 电话 13912345678", "姓名：王* 电话 139****5678"),
        (f"code={CREDIT_CODE}", "code=91**************38"),
    ],
)
def test_mask_for_log(line: str, kept: str) -> None:
    assert mask_for_log(line) == kept
