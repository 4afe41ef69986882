"""Errors of the WeChat channel's protocol layer.

Every error here maps to a 4xx answer; none of them carries request content in its message, so a message
can be logged or returned without leaking what the sender wrote.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """A request that breaks the WeChat server protocol (answered with a 4xx)."""

    status: int = 400


class ForbiddenRequest(ProtocolError):
    """Bad or missing signature, stale timestamp, replayed nonce: answered 403."""

    status = 403


class BodyTooLarge(ProtocolError):
    """A body over the size limit: answered 413 before any parsing."""

    status = 413


class MalformedXml(ProtocolError):
    """XML that does not parse, or that carries a DTD or entities."""


class CryptoError(ProtocolError):
    """An encrypted message that does not decrypt: bad base64, length, padding, length field or appid."""
