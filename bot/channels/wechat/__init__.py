"""WeChat official-account (公众号) channel.

The protocol modules (``signature``, ``crypto``, ``messages``, ``replies``, ``store``, ``api``, ``menu``,
``service``) know nothing of Rasa; ``channel`` holds the thin Rasa ``InputChannel``. ``WeChatInput`` is
resolved lazily so that importing a protocol module does not import Rasa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.channels.wechat.channel import WeChatInput

__all__ = ["WeChatInput"]


def __getattr__(name: str) -> Any:
    if name == "WeChatInput":
        from bot.channels.wechat.channel import WeChatInput

        return WeChatInput
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
