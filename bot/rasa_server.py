"""Start ``rasa run`` with the HTTP API token taken from the environment: ``python -m bot.rasa_server [args]``.

``rasa run`` only takes its token as ``--auth-token``, and a command line is visible to every local user in
``ps``. This wrapper receives the other arguments on its command line and adds the token from
``RASA_API_TOKEN`` inside the process, so it never appears in ``/proc/<pid>/cmdline``.
"""

from __future__ import annotations

import sys

from bot import settings as settings_mod


def main(argv: list[str] | None = None) -> int:
    """Run ``rasa run <argv> --enable-api --auth-token $RASA_API_TOKEN``."""
    cfg = settings_mod.load()
    if not cfg.rasa_api_token:
        print("错误：没有设置 RASA_API_TOKEN，Rasa HTTP API 不会在没有令牌的情况下启动。", file=sys.stderr)
        return 2
    args = list(sys.argv[1:] if argv is None else argv)
    if "--auth-token" in args:
        print("错误：令牌只能通过环境变量 RASA_API_TOKEN 传入，不能写在命令行上。", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    from bot.rasa_runtime import apply_all

    apply_all(cfg.rasa_session_turns)  # the pinned fixes, as `python -m bot.rasa_runtime` applies them
    sys.argv = ["rasa", "run", *args, "--enable-api", "--auth-token", cfg.rasa_api_token]
    rasa_main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
