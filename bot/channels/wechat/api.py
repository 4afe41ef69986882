"""Client of the WeChat official-account HTTP API: access token, customer-service messages, menu.

Blocking (``requests``); async code calls it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

logger = logging.getLogger(__name__)

# errcodes that mean "this access token is no longer good": fetch a new one and retry once.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# Refresh this many seconds before the announced expiry (a new fetch invalidates the old token anyway).
TOKEN_REFRESH_MARGIN = 300.0


class WeChatApiError(Exception):
    """The API answered with a non-zero ``errcode``.

    Attributes:
        errcode: The WeChat error code (e.g. 45015 outside the 48-hour window, 45047 quota used up).
        errmsg: WeChat's own message.
    """

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatTransportError(Exception):
    """The API could not be reached, timed out, or answered something that is not the expected JSON."""


class WeChatApiClient:
    """The one client of the WeChat API.

    Args:
        base_url: ``https://api.weixin.qq.com`` or a stand-in (no trailing slash needed).
        appid: The account's AppID.
        secret: The account's AppSecret.
        timeout: Seconds for connecting and for reading, on every call.
        session: A ``requests.Session`` to use (one is created otherwise).
        clock: Monotonic seconds, for the token's expiry (injectable for tests).
        token_cache: A cache shared with the other processes (:class:`RedisTokenCache`); without one, or
            while it is unreachable, the token is cached in this process only.
    """

    def __init__(
        self,
        base_url: str,
        appid: str,
        secret: str,
        timeout: float = 5.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        token_cache: Any = None,
    ) -> None:
        self._token_cache = token_cache
        self._base_url = base_url.rstrip("/")
        self._appid = appid
        self._secret = secret
        self._timeout = timeout
        self._session = session or requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires_at = 0.0

    @property
    def configured(self) -> bool:
        """Whether AppID and AppSecret are both set."""
        return bool(self._appid and self._secret)

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self._base_url}{path}"
        try:
            response = self._session.request(method, url, timeout=self._timeout, **kwargs)
            response.raise_for_status()
            data = response.json()
        except requests.RequestException as exc:
            raise WeChatTransportError(f"{method} {path}: {type(exc).__name__}") from None
        except ValueError:
            raise WeChatTransportError(f"{method} {path}: response is not JSON") from None
        if not isinstance(data, dict):
            raise WeChatTransportError(f"{method} {path}: response is not a JSON object")
        errcode = data.get("errcode", 0)
        if errcode:
            raise WeChatApiError(int(errcode), str(data.get("errmsg", "")))
        return data

    def access_token(self, force_refresh: bool = False) -> str:
        """Return a valid access token, fetching one when none is cached, it nears expiry, or on demand.

        Args:
            force_refresh: Fetch a new token even if the cached one has not expired.

        Raises:
            WeChatApiError: WeChat refused (e.g. 40164 when this server's IP is not whitelisted).
            WeChatTransportError: WeChat could not be reached.
        """
        if self._token_cache is not None and not force_refresh:
            try:
                return self._token_cache.get_or_fetch(self._fetch_token)
            except (WeChatApiError, WeChatTransportError):
                raise
            except Exception as exc:  # Redis unreachable: keep answering with a token of our own
                logger.error("共享的微信 access_token 缓存不可用（%s），改用本进程缓存", type(exc).__name__)
        with self._lock:
            if not force_refresh and self._token and self._clock() < self._token_expires_at:
                return self._token
            token, valid_for = self._fetch_token()
            self._token = token
            self._token_expires_at = self._clock() + valid_for
            return token

    def _fetch_token(self) -> tuple[str, float]:
        """Fetch a new token from WeChat: the token and how many seconds to use it."""
        data = self._request(
            "GET",
            "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self._appid, "secret": self._secret},
        )
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeChatTransportError("GET /cgi-bin/token: no access_token in the response")
        expires_in = float(data.get("expires_in", 7200))
        return token, max(expires_in - TOKEN_REFRESH_MARGIN, expires_in / 2)

    def _invalidate(self, token: str) -> None:
        if self._token_cache is not None:
            try:
                self._token_cache.invalidate(token)
            except Exception as exc:
                logger.error("共享的微信 access_token 缓存不可用（%s）", type(exc).__name__)
        with self._lock:
            if self._token == token:
                self._token = None

    def _call_with_token(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        # WeChat shows \uXXXX escapes literally in menus and messages: send the UTF-8 characters themselves.
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        token = self.access_token()
        try:
            return self._request("POST", path, params={"access_token": token}, data=body, headers=headers)
        except WeChatApiError as exc:
            if exc.errcode not in TOKEN_ERRCODES:
                raise
            logger.info("WeChat access token rejected (errcode %s), fetching a new one", exc.errcode)
            self._invalidate(token)
            token = self.access_token()
            return self._request("POST", path, params={"access_token": token}, data=body, headers=headers)

    def send_text(self, openid: str, content: str) -> None:
        """Send a customer-service text message (客服消息) to ``openid``.

        Raises:
            WeChatApiError: E.g. 45015 (outside the 48-hour window), 45047 (quota), 45002 (too long).
            WeChatTransportError: WeChat could not be reached.
        """
        self._call_with_token(
            "/cgi-bin/message/custom/send",
            {"touser": openid, "msgtype": "text", "text": {"content": content}},
        )

    def create_menu(self, menu: dict[str, Any]) -> None:
        """Publish the custom menu (``{"button": [...]}``).

        Raises:
            WeChatApiError: WeChat refused the menu.
            WeChatTransportError: WeChat could not be reached.
        """
        self._call_with_token("/cgi-bin/menu/create", menu)
