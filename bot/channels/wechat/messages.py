"""Parsing of inbound WeChat XML and building of passive replies.

Every XML document, the outer body and the decrypted inner message alike, goes through ``defusedxml`` with
DTDs forbidden, so XXE and entity-expansion bodies are refused before any entity is looked at.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree as SafeET

from bot.channels.wechat.errors import MalformedXml


def parse_xml(document: bytes | str) -> dict[str, str]:
    """Parse a flat WeChat ``<xml>…</xml>`` document into ``{tag: text}``.

    Args:
        document: The XML, as received or as decrypted.

    Returns:
        The text of each direct child of the root (the first one when a tag repeats); empty elements give "".

    Raises:
        MalformedXml: The document does not parse, carries a DTD or entities, or its root is not ``<xml>``.
    """
    try:
        root = SafeET.fromstring(document, forbid_dtd=True)
    except (ET.ParseError, defusedxml.DefusedXmlException, ValueError) as exc:
        raise MalformedXml(type(exc).__name__) from None
    if root.tag != "xml":
        raise MalformedXml("root element is not <xml>")
    fields: dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str) and child.tag not in fields:
            fields[child.tag] = (child.text or "").strip() if child.tag != "Content" else (child.text or "")
    return fields


@dataclass(frozen=True)
class InboundMessage:
    """One message or event pushed by WeChat, reduced to what the channel uses."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    content: str = ""
    msg_id: str = ""
    recognition: str | None = None
    event: str = ""
    event_key: str = ""

    @property
    def dedup_key(self) -> str:
        """The key that identifies a delivery across WeChat's retries: MsgId, else sender and time."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{self.from_user}:{self.create_time}"


def to_message(fields: dict[str, str]) -> InboundMessage:
    """Build an :class:`InboundMessage` from parsed fields.

    Raises:
        MalformedXml: A required field is missing or ``CreateTime`` / ``MsgId`` is not an integer.
    """
    try:
        to_user, from_user, msg_type = fields["ToUserName"], fields["FromUserName"], fields["MsgType"]
        create_time_raw = fields["CreateTime"]
    except KeyError as exc:
        raise MalformedXml(f"missing field {exc.args[0]}") from None
    if not (to_user and from_user and msg_type) or not create_time_raw.isdigit():
        raise MalformedXml("empty or invalid common field")
    msg_id = fields.get("MsgId", "")
    if msg_id and not msg_id.isdigit():
        raise MalformedXml("MsgId is not an integer")
    return InboundMessage(
        to_user=to_user,
        from_user=from_user,
        create_time=int(create_time_raw),
        msg_type=msg_type.lower(),
        content=fields.get("Content", ""),
        msg_id=msg_id,
        recognition=fields.get("Recognition"),
        event=fields.get("Event", ""),
        event_key=fields.get("EventKey", ""),
    )


def cdata(text: str) -> str:
    """Wrap ``text`` in CDATA, splitting any ``]]>`` it contains so it cannot close the section early."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build_text_reply(to_user: str, from_user: str, create_time: int, content: str) -> str:
    """Build the passive text reply XML.

    Args:
        to_user: The user's openid (the inbound ``FromUserName``).
        from_user: The account (the inbound ``ToUserName``).
        create_time: Unix time of the reply.
        content: The text shown to the user.
    """
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def build_encrypted_reply(encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """Build the safe-mode envelope around an encrypted reply."""
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
