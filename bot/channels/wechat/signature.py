"""Request signatures of the WeChat server protocol.

``signature`` covers ``(token, timestamp, nonce)`` and ``msg_signature`` covers
``(token, timestamp, nonce, Encrypt)``: the values are sorted as plain strings, joined and hashed with SHA-1.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_HEX_SHA1 = re.compile(r"[0-9a-f]{40}")


def compute_signature(token: str, *values: str) -> str:
    """Return the lowercase hex SHA-1 signature of ``token`` and ``values``.

    Args:
        token: The token configured on the WeChat platform.
        *values: The other signed values (timestamp, nonce and, in safe mode, the ``Encrypt`` text).

    Returns:
        40 lowercase hex characters.
    """
    joined = "".join(sorted([token, *values]))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def check_signature(token: str, signature: str | None, *values: str) -> bool:
    """Tell whether ``signature`` is the valid signature of ``token`` and ``values``.

    The comparison is constant-time and runs on bytes, so a non-ASCII or non-hex signature is simply
    refused (``hmac.compare_digest`` on ``str`` raises ``TypeError`` for non-ASCII input).

    Args:
        token: The configured token; an empty token never validates anything.
        signature: The signature received in the query string.
        *values: The signed values.

    Returns:
        True only for an exact match.
    """
    if not token or not signature:
        return False
    expected = compute_signature(token, *values).encode("ascii")
    received = signature.encode("utf-8", "surrogatepass")
    # Compare first, then check the format: the comparison itself leaks nothing about the expected value.
    equal = hmac.compare_digest(expected, received)
    return equal and _HEX_SHA1.fullmatch(signature) is not None
