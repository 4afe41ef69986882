"""Every action of the assistant is named by a class attribute: the name it has in ``domain.yml``."""

from __future__ import annotations

from typing import ClassVar


class Named:
    """Mixed in before rasa-sdk's ``Action``: :meth:`name` returns :attr:`action_name`."""

    action_name: ClassVar[str]

    def name(self) -> str:
        """Action name used in the domain."""
        return self.action_name
