"""``python -m bot.rasa_runtime run …``: the ``rasa`` command line, with the pinned fixes applied first."""

from __future__ import annotations

import sys


def main() -> None:
    """Apply the fixes, then hand over to Rasa's own entry point (same arguments as ``rasa``)."""
    from rasa.__main__ import main as rasa_main

    from bot.rasa_runtime import apply_all

    apply_all()
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
