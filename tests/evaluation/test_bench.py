"""``make bench``'s load driver: one script drives both bots, and failures are counted, never timed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import yaml
from aiohttp import web
from loopback import free_port

from bot.domain_responses import response_text
from evaluation.bench import load, servers

TRANSPORT_SLOTS = ("id_number", "phone_check", "destination", "departure_date", "party_size")


# The departure date and the proof of identity are asked by actions (action_ask_departure_date confirms far
# dates first; action_ask_phone_check sends an SMS code when a gateway is set), in these words.
ASKED_WITH = {"departure_date": "utter_departure_date_question", "phone_check": "utter_phone_on_record"}


def _asked_with(slot: str) -> str:
    return ASKED_WITH.get(slot, f"utter_ask_{slot}")


def test_floor_asks_the_assistants_questions():
    """The floor bot asks the sign-up questions in the assistant's words, so the sender answers both alike."""
    domain = yaml.safe_load((servers.FLOOR_DIR / "domain.yml").read_text(encoding="utf-8"))
    assert domain["forms"]["transport_form"]["required_slots"] == list(TRANSPORT_SLOTS)
    for slot in TRANSPORT_SLOTS:
        assert domain["responses"][f"utter_ask_{slot}"][0]["text"] == response_text(_asked_with(slot))


@pytest.mark.parametrize("slot", TRANSPORT_SLOTS)
def test_every_sign_up_question_gets_its_answer(slot):
    message, pos, was_answer = load.next_message(3, response_text(_asked_with(slot)), 0)
    expected = {
        "id_number": "371321199207081535",
        "phone_check": "0002",
        "destination": "江苏昆山",
        "departure_date": "下周一",
        "party_size": "2",
    }
    assert (message, pos, was_answer) == (expected[slot], 3, True)


def test_script_goes_on_after_other_replies_and_after_too_many_answers():
    assert load.next_message(0, "您好！", 0) == (load.SCRIPT[0], 1, False)
    assert load.next_message(len(load.SCRIPT), "好的", 0) == (load.SCRIPT[0], len(load.SCRIPT) + 1, False)
    stuck = load.next_message(4, response_text("utter_ask_destination"), load.MAX_FORM_ANSWERS)
    assert stuck == (load.SCRIPT[4], 5, False)


def test_percentiles_and_means_by_turn():
    samples = [load.Sample(i, float(i + 1), True) for i in range(100)] + [load.Sample(100, 9999.0, False)]
    level = load.LevelResult(senders=1, wall_s=10.0, samples=samples)
    assert (level.percentile(50), level.percentile(95), level.percentile(99)) == (50.0, 95.0, 99.0)
    assert level.errors == 1
    assert level.throughput == 10.0
    assert level.mean_of_turns(1, 10) == 5.5
    assert level.mean_of_turns(71, 80) == 75.5


@pytest.fixture
def flaky_webhook() -> Iterator[tuple[str, list[dict]]]:
    """A real REST webhook on loopback that fails every third turn and asks the sign-up questions."""
    received: list[dict] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        if len(received) % 3 == 0:
            return web.Response(status=500)
        reply = response_text("utter_ask_destination") if body["message"] == "我要报名点对点专车" else "好的"
        return web.json_response([{"recipient_id": body["sender"], "text": reply}])

    port = free_port()
    ready = threading.Event()
    loop_holder: dict = {}

    def serve() -> None:
        import asyncio

        loop = asyncio.new_event_loop()
        loop_holder["loop"] = loop
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook", received
    finally:
        loop_holder["loop"].call_soon_threadsafe(loop_holder["loop"].stop)
        thread.join(10)


def test_closed_loop_counts_turns_and_errors(flaky_webhook):
    url, received = flaky_webhook
    result = load.run_level(url, senders=3, turns=6, prefix="t")
    assert len(result.samples) == len(received) == 18
    assert result.errors == 6
    assert len(result.latencies) == 12
    by_sender: dict[str, list[str]] = {}
    for body in received:
        by_sender.setdefault(body["sender"], []).append(body["message"])
    assert sorted(by_sender) == ["t-0", "t-1", "t-2"]
    for messages in by_sender.values():
        assert messages[:4] == list(load.SCRIPT[:4])
