"""``python -m bot.staff``: serve the staff console on CONSOLE_HOST:CONSOLE_PORT (127.0.0.1:5006)."""

from __future__ import annotations

import sys

from bot import settings as settings_mod
from bot.privacy import install_log_masking


def main() -> int:
    """Run the console until SIGINT/SIGTERM."""
    import os

    from bot.cli import prepare_environment
    from bot.staff.app import create_app

    env = dict(os.environ)
    prepare_environment(env)  # the same .env as `python -m bot serve` (secrets generated there when missing)
    os.environ.update(env)
    cfg = settings_mod.load()
    app = create_app(cfg)
    install_log_masking()
    app.run(host=cfg.console_host, port=cfg.console_port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
