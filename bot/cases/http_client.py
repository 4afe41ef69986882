"""The HTTP client of the remote case system: base URL, token, timeouts, retries and typed errors."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

import requests

from bot.cases.errors import (
    CaseRequestRefused,
    CaseSystemUnavailable,
    IdentityMismatch,
    OrganisationNotFound,
    PersonNotFound,
    ReferenceNotFound,
)
from bot.cases.records import AccessContext
from bot.http_session import api_session
from bot.privacy import mask_pii

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "HEAD", "DELETE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
_ERRORS: dict[str, type[CaseRequestRefused]] = {
    "person_not_found": PersonNotFound,
    "identity_mismatch": IdentityMismatch,
    "organisation_not_found": OrganisationNotFound,
    "reference_not_found": ReferenceNotFound,
}
POST_TIMEOUT_MESSAGE = "案件系统没有及时答复，提交可能没有成功。请稍后查询办理进度，或转人工服务。"


def new_idempotency_key() -> str:
    """A fresh key for one submission (the same key goes with each of its retries)."""
    return uuid.uuid4().hex


def access_headers(access: AccessContext) -> dict[str, str]:
    """The audit headers for ``access`` (percent-encoded so that Chinese purposes survive HTTP)."""
    return {
        "X-Actor": quote(access.actor),
        "X-Channel": quote(access.channel),
        "X-Conversation-Id": quote(access.conversation_id),
        "X-Purpose": quote(access.purpose),
    }


class CaseApiClient:
    """HTTP client of the case system: base URL, token, timeouts, retries, typed errors."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        max_attempts: int = 3,
        backoff: float = 0.5,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Configure the client (no connection is made here).

        Args:
            base_url: e.g. ``https://cases.example.gov.cn/api/v1``.
            token: bearer token (``CASE_API_TOKEN``).
            connect_timeout: seconds to establish a connection.
            read_timeout: seconds to wait for the answer.
            max_attempts: tries of an idempotent call (GET/PUT, POST with an idempotency key); other POSTs once.
            backoff: first wait between tries; doubled each time.
            session: a ``requests.Session`` to use (default: a new one).
            sleep: the wait function (tests pass a fast one).
        """
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self._sleep = sleep
        self._session = api_session(token, session)
        self._session.headers["Accept"] = "application/json"

    def close(self) -> None:
        """Close the underlying HTTP session."""
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        expected: Iterable[int] = (200,),
        not_found_is_none: bool = False,
        idempotency_key: str | None = None,
        read_only: bool = False,
    ) -> tuple[int, Any]:
        """Send one API call; returns ``(status, decoded JSON or None)``.

        Args:
            method: HTTP method; GET/PUT (and POST with ``idempotency_key``) are retried, other POSTs not.
            path: path below the base URL, already percent-encoded.
            json: request body.
            headers: extra headers.
            expected: statuses that mean success.
            not_found_is_none: return ``(404, None)`` instead of raising on 404.
            idempotency_key: sent as ``Idempotency-Key``; makes a POST safe to retry like a PUT.
            read_only: the call changes nothing (a read sent as a POST to keep an ID number out of the URL),
                so it is retried like a GET.

        Raises:
            CaseSystemUnavailable: no answer (after retries for idempotent calls) or a 5xx answer.
            CaseRequestRefused: any other unexpected answer (a subclass when the API names the error).
        """
        method = method.upper()
        retry_safe = method in IDEMPOTENT_METHODS or idempotency_key is not None or read_only
        attempts = self.max_attempts if retry_safe else 1
        if idempotency_key is not None:
            headers = {**(headers or {}), "Idempotency-Key": idempotency_key}
        url = f"{self.base_url}{path}"
        expected = frozenset(expected)
        for attempt in range(1, attempts + 1):
            try:
                response = self._session.request(method, url, json=json, headers=headers, timeout=self.timeout)
            except requests.Timeout as exc:
                log.warning("case API %s %s timed out (attempt %d/%d)", method, mask_pii(path), attempt, attempts)
                if attempt == attempts:
                    message = POST_TIMEOUT_MESSAGE if not retry_safe else None
                    raise CaseSystemUnavailable(message, detail="timeout") from exc
            except requests.RequestException as exc:
                log.warning("case API %s %s failed: %s", method, mask_pii(path), type(exc).__name__)
                if attempt == attempts:
                    raise CaseSystemUnavailable(detail=type(exc).__name__) from exc
            else:
                if response.status_code in RETRY_STATUSES and attempt < attempts:
                    log.warning("case API %s %s answered %d, retrying", method, mask_pii(path), response.status_code)
                else:
                    return self._handle(response, method, path, expected, not_found_is_none)
            self._sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _handle(
        response: requests.Response, method: str, path: str, expected: frozenset[int], not_found_is_none: bool
    ) -> tuple[int, Any]:
        status = response.status_code
        if status in expected:
            if status == 204 or not response.content:
                return status, None
            try:
                return status, response.json()
            except ValueError as exc:
                raise CaseRequestRefused(detail="invalid JSON in answer") from exc
        if status == 404 and not_found_is_none:
            return status, None
        if status >= 500:
            raise CaseSystemUnavailable(detail=f"HTTP {status}")
        if status in (401, 403):
            log.error("case API refused the token (%d) for %s %s", status, method, mask_pii(path))
            raise CaseRequestRefused(detail=f"HTTP {status}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = body.get("error") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        error_class = _ERRORS.get(error or "", CaseRequestRefused)
        if error_class is CaseRequestRefused:
            log.error("case API %s %s answered %d (%s)", method, mask_pii(path), status, error)
            raise CaseRequestRefused(message or None, detail=f"HTTP {status} {error}")
        raise error_class(detail=f"HTTP {status}")
