"""The SMS gateway: sends one-time verification codes to the phone on record.

``SMS_API_URL`` is the gateway's endpoint; each message is one ``POST`` of ``{"phone": "...", "text": "..."}``
(JSON, UTF-8) with ``Authorization: Bearer <SMS_API_TOKEN>``, and any 2xx answer means the gateway took it.
Nothing is sent when ``SMS_API_URL`` is unset: the assistant then verifies with the phone on record or its last
four digits (the embedded demo, and hotline agents who verify a caller by voice).
"""

from __future__ import annotations

import logging

import requests

from bot.http_session import api_session
from bot.privacy import mask_phone
from bot.settings import Settings

log = logging.getLogger(__name__)


class SmsUnavailable(Exception):
    """The gateway did not take the message; ``user_message`` is Chinese."""

    user_message = "短信暂时发不出去，请稍后再试，或拨打 12333 由人工核对身份。"


class SmsGateway:
    """A client of the SMS gateway's HTTP API."""

    def __init__(self, url: str, token: str, *, timeout: tuple[float, float] = (3.05, 10.0)) -> None:
        """Args: url: ``SMS_API_URL``; token: ``SMS_API_TOKEN``; timeout: connect and read, in seconds."""
        self.url = url
        self.timeout = timeout
        self._session = api_session(token)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsGateway | None:
        """The gateway of the settings, or ``None`` when ``SMS_API_URL`` is not set."""
        return cls(settings.sms_api_url, settings.sms_api_token) if settings.sms_api_url else None

    def send(self, phone: str, text: str) -> None:
        """Send ``text`` to ``phone`` (never retried: a second try could deliver a second code).

        Raises:
            SmsUnavailable: no answer, or an answer other than 2xx.
        """
        try:
            response = self._session.post(self.url, json={"phone": phone, "text": text}, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("SMS to %s failed: %s", mask_phone(phone), type(exc).__name__)
            raise SmsUnavailable() from None
        if not 200 <= response.status_code < 300:
            log.warning("SMS to %s refused: HTTP %d", mask_phone(phone), response.status_code)
            raise SmsUnavailable()

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()
