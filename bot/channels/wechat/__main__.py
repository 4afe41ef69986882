"""``python -m bot.channels.wechat menu [--file menu.yml] [--check]``: publish (or check) the custom menu."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot import settings as settings_mod
from bot.channels.wechat.api import WeChatApiClient, WeChatApiError, WeChatTransportError
from bot.channels.wechat.menu import DEFAULT_MENU_PATH, MenuError, load_menu


def publish_menu(settings: settings_mod.Settings, path: Path, check_only: bool = False) -> tuple[bool, str]:
    """Validate the menu at ``path`` and, unless ``check_only``, publish it.

    Returns:
        Whether it succeeded, and one Chinese line describing the outcome.
    """
    try:
        menu = load_menu(path)
    except MenuError as exc:
        return False, f"菜单无效：{exc}"
    summary = f"{len(menu.groups)} 个一级菜单、{len(menu.buttons())} 个按钮"
    if check_only:
        return True, f"菜单检查通过：{summary}"
    if not settings.wechat_appid or not settings.wechat_appsecret:
        return False, "菜单发布失败：请先设置 WECHAT_APPID 和 WECHAT_APPSECRET"
    client = WeChatApiClient(settings.wechat_api_base, settings.wechat_appid, settings.wechat_appsecret)
    try:
        client.create_menu(menu.to_api())
    except WeChatApiError as exc:
        hint = "（请把本机公网 IP 加入公众号后台的 IP 白名单）" if exc.errcode in (40164, 61004) else ""
        return False, f"菜单发布失败：微信返回错误 {exc.errcode} {exc.errmsg}{hint}"
    except WeChatTransportError as exc:
        return False, f"菜单发布失败：无法连接微信接口（{exc}）"
    finally:
        client.close()
    return True, f"菜单已发布：{summary}"


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bot.channels.wechat", description="微信公众号通道工具")
    commands = parser.add_subparsers(dest="command", required=True)
    menu = commands.add_parser("menu", help="校验并发布自定义菜单")
    menu.add_argument("--file", type=Path, default=DEFAULT_MENU_PATH, help="菜单定义文件（YAML）")
    menu.add_argument("--check", action="store_true", help="只校验，不发布")
    args = parser.parse_args(argv)
    try:
        settings = settings_mod.load(env)
    except settings_mod.SettingsError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    ok, line = publish_menu(settings, args.file, check_only=args.check)
    print(line, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
