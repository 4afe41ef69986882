"""Demo accounts of the console (``agent`` and ``supervisor``), created by ``make db``."""

from __future__ import annotations

from bot.cases.sql_store import build_engine
from bot.settings import Settings, SettingsError
from bot.staff.accounts import Accounts
from bot.staff.passwords import WeakPassword


def ensure_demo_accounts(cfg: Settings) -> list[str]:
    """Create the missing demo accounts with ``CONSOLE_DEMO_PASSWORD``; Chinese lines to print."""
    if not cfg.console_demo_password:
        return ["未设置 CONSOLE_DEMO_PASSWORD，未创建坐席工作台演示账号"]
    engine = build_engine(cfg.case_db_url)
    try:
        created = Accounts(engine).ensure_demo_accounts(cfg.console_demo_password)
    except WeakPassword as exc:
        raise SettingsError(f"错误：CONSOLE_DEMO_PASSWORD 不能用作密码：{exc}") from None
    finally:
        engine.dispose()
    if created:
        return [f"已创建坐席工作台演示账号：{'、'.join(created)}（密码为 .env 中的 CONSOLE_DEMO_PASSWORD）"]
    return ["坐席工作台演示账号已存在"]
