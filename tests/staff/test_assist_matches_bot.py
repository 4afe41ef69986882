"""The agent's assist answer is the bot's answer for the same words, over the whole policy question set.

Both run against the real trained model: the bot through the REST channel, the console through its
``/api/assist`` (Rasa's ``/model/parse`` and the bot's own policy action).
"""

from __future__ import annotations

import re

import requests

from evaluation.policy_answers import load_questions

from .conftest import login


def _console_session(servers) -> tuple[requests.Session, str]:
    http = requests.Session()
    assert login(http, servers.console, "agent", servers.console_password).status_code == 303
    page = http.get(f"{servers.console}/call", timeout=10)
    return http, re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def test_assist_answer_equals_the_bot_answer_for_every_policy_question(servers) -> None:
    http, csrf = _console_session(servers)
    questions = load_questions()
    compared = with_clause = marked = 0
    mismatches = []
    for q in questions:
        replies = servers.replies(f"assist-eq-{q.id}", q.text)
        bot_text = "\n".join(r.get("text", "") for r in replies if r.get("text"))
        bot_buttons = [b["title"] for r in replies for b in r.get("buttons") or []]
        response = http.post(
            f"{servers.console}/api/assist", json={"text": q.text}, headers={"X-CSRF-Token": csrf}, timeout=30
        )
        assert response.status_code == 200, response.text
        data = response.json()
        if data["kind"] == "other":  # greetings, requests for a person…: the bot runs another action
            continue
        compared += 1
        if (data["answer"], data["options"]) != (bot_text, bot_buttons):
            mismatches.append((q.id, data["answer"][:60], bot_text[:60]))
        if data["clause"]:
            with_clause += 1
            assert data["clause"]["citation"] in data["answer"]
            assert data["clause"]["validity"]["label"]
            if data["clause"]["figures"]:  # every figure the knowledge base has for the clause is marked
                marked += 1
                assert "<mark>" in data["clause"]["text_html"], q.id
        assert len(data["candidates"]) <= 2
        assert all(c["why"] for c in data["candidates"])
    assert not mismatches, mismatches
    assert compared >= 0.8 * len(questions)
    assert with_clause >= 0.8 * compared
    assert marked >= 20


def test_assist_refuses_empty_or_overlong_words(servers) -> None:
    http, csrf = _console_session(servers)
    for text, expected in (("", "请先输入"), ("   ", "请先输入"), ("问" * 1001, "太长")):
        response = http.post(
            f"{servers.console}/api/assist", json={"text": text}, headers={"X-CSRF-Token": csrf}, timeout=10
        )
        assert response.status_code == 400 and expected in response.json()["error"]
