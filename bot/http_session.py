"""The HTTP session every outgoing API client of the assistant uses (case system, SMS gateway)."""

from __future__ import annotations

import requests

USER_AGENT = "jiuye-bangfu-zhushou"


def api_session(token: str, session: requests.Session | None = None) -> requests.Session:
    """``session`` (a new one by default) that names the assistant and, with a ``token``, sends it as bearer."""
    session = session or requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session
