"""Character classes shared by the NLU normaliser and the answer validators."""

from __future__ import annotations

_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # pictographs, emoticons, transport, flags (regional indicators), symbols
    (0x2600, 0x27BF),  # miscellaneous symbols and dingbats (☀ ✔ ❤)
    (0x2B00, 0x2BFF),  # ⭐ ⬆ …
    (0x231A, 0x231B),  # ⌚ ⌛
    (0x23E9, 0x23FA),  # ⏩ ⏰ …
    (0xFE00, 0xFE0F),  # variation selectors (the emoji presentation selector FE0F)
    (0xE0020, 0xE007F),  # tag characters of subdivision flags
)
_EMOJI_SINGLES = frozenset({0x200D, 0x20E3, 0x3030, 0x303D, 0x3297, 0x3299})


def is_emoji(char: str) -> bool:
    """Whether ``char`` is an emoji, a pictograph or a part of one (joiner, keycap, variation selector).

    The NLU drops these characters from a message; a form answer that contains one is asked again.
    """
    code = ord(char)
    return code in _EMOJI_SINGLES or any(low <= code <= high for low, high in _EMOJI_RANGES)
