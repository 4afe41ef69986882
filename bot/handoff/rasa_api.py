"""The Rasa HTTP API calls the handoff needs: read a tracker, append ``pause`` / ``resume`` / ``bot`` events.

Rasa takes the conversation's lock for ``POST /conversations/{id}/tracker/events``, so these writes are
serialised with the bot's own turns. Blocking (``requests``); call through ``asyncio.to_thread``.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import requests


class RasaApiError(Exception):
    """Rasa did not answer as expected; the message is Chinese."""


class RasaApi:
    """A client of one Rasa server's token-protected HTTP API."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        """``base_url`` like ``http://127.0.0.1:5005``; ``token`` is ``RASA_API_TOKEN``."""
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._http = requests.Session()


class RasaConversations(RasaApi):
    """Token-protected conversation endpoints of one Rasa server."""

    def _url(self, conversation_id: str, tail: str) -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe=':')}/{tail}"

    def _call(self, method: str, url: str, params: dict[str, str] | None = None, **kwargs: Any) -> Any:
        query = {"token": self.token, **(params or {})}
        try:
            response = self._http.request(method, url, params=query, timeout=self.timeout, **kwargs)
        except requests.RequestException:
            raise RasaApiError("连不上助手服务（Rasa），请稍后再试。") from None
        if response.status_code != 200:
            raise RasaApiError(f"助手服务返回错误（HTTP {response.status_code}）。")
        return response.json()

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker with all its events."""
        return self._call("GET", self._url(conversation_id, "tracker"), params={"include_events": "ALL"})

    def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append events (under the conversation's lock)."""
        stamped = [{"timestamp": time.time(), **event} for event in events]
        self._call("POST", self._url(conversation_id, "tracker/events"), json=stamped)

    def pause(self, conversation_id: str) -> None:
        """Stop the bot from answering this user (their messages are still stored)."""
        self.append(conversation_id, [{"event": "pause"}])

    def resume(self, conversation_id: str) -> None:
        """Hand the user back to the bot."""
        self.append(conversation_id, [{"event": "resume"}])

    def log_agent_reply(self, conversation_id: str, text: str, agent: str) -> None:
        """Keep the agent's reply in the conversation's history (as a bot utterance marked as the agent's)."""
        self.append(conversation_id, [{"event": "bot", "text": text, "metadata": {"handoff_agent": agent}}])


def transcript(tracker: dict[str, Any], since: float = 0.0) -> list[dict[str, Any]]:
    """User, bot and agent messages of a tracker, oldest first: ``{"who", "text", "at"}``."""
    lines = []
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        at = float(event.get("timestamp") or 0)
        if at < since:
            continue
        who = "user" if kind == "user" else ("agent" if (event.get("metadata") or {}).get("handoff_agent") else "bot")
        lines.append({"who": who, "text": event["text"], "at": at})
    return lines
