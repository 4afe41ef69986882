"""``python -m bot users add|disable|passwd|list``: console accounts from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot import settings as settings_mod
from bot.cases.sql_store import build_engine
from bot.staff.accounts import ROLES, AccountError, Accounts
from bot.staff.passwords import WeakPassword


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise AccountError("两次输入的密码不一致")
    return first


def main(argv: list[str]) -> int:
    """Run one account command; errors become one Chinese line on stderr and exit code 2."""
    parser = argparse.ArgumentParser(prog="python -m bot users", description="坐席工作台账号管理")
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="新建账号")
    add.add_argument("username")
    add.add_argument("--role", choices=sorted(ROLES), default="agent", help="agent=坐席，supervisor=主管")
    add.add_argument("--name", help="显示的姓名")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码")
    disable = sub.add_parser("disable", help="停用账号（并结束其登录）")
    disable.add_argument("username")
    passwd = sub.add_parser("passwd", help="重设密码（同时解除锁定）")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    sub.add_parser("list", help="列出账号")
    args = parser.parse_args(argv)
    cfg = settings_mod.load()
    engine = build_engine(cfg.case_db_url)
    accounts = Accounts(engine)
    try:
        if args.action == "add":
            account = accounts.add(args.username, _read_password(args.password_stdin), args.role, args.name)
            print(f"已新建账号 {account.username}（{account.role_label}）")
        elif args.action == "disable":
            accounts.disable(args.username)
            print(f"已停用账号 {args.username}")
        elif args.action == "passwd":
            accounts.set_password(args.username, _read_password(args.password_stdin))
            print(f"已重设账号 {args.username} 的密码")
        else:
            for account in accounts.list():
                state = "" if account.active else "（已停用）"
                print(f"{account.username}\t{account.role_label}\t{account.display_name}{state}")
    except (AccountError, WeakPassword) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
