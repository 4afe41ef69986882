"""The menu definition, its limits, and ``python -m bot.channels.wechat menu``."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from bot.channels.wechat.__main__ import main
from bot.channels.wechat.menu import DEFAULT_MENU_PATH, MenuError, load_menu, parse_menu
from bot.settings import PROJECT_ROOT


def _leaf(i: int) -> dict[str, str]:
    return {"name": f"按钮{i}", "key": f"key_{i}", "message": f"/intent_{i}"}


def test_shipped_menu_maps_the_planned_buttons():
    menu = load_menu()
    assert menu.messages_by_key() == {
        "ask_capabilities": "/ask_capabilities",
        "register_job_seeking": "/register_job_seeking",
        "check_status": "/check_status",
        "request_human": "/request_human",
    }
    names = {b.name: b.message for b in menu.buttons()}
    assert names["政策咨询"] == "/ask_capabilities"
    assert names["求职登记"] == "/register_job_seeking"
    assert names["办理进度"] == "/check_status"
    assert names["转人工"] == "/request_human"


def test_api_payload_shape():
    menu = parse_menu({"button": [_leaf(1), {"name": "更多", "sub_button": [_leaf(2), _leaf(3)]}]})
    assert menu.to_api() == {
        "button": [
            {"type": "click", "name": "按钮1", "key": "key_1"},
            {
                "name": "更多",
                "sub_button": [
                    {"type": "click", "name": "按钮2", "key": "key_2"},
                    {"type": "click", "name": "按钮3", "key": "key_3"},
                ],
            },
        ]
    }


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"button": [_leaf(i) for i in range(4)]}, "最多 3 个"),
        ({"button": [{"name": "组", "sub_button": [_leaf(i) for i in range(6)]}]}, "最多 5 个"),
        ({"button": []}, "非空"),
        (None, "非空"),
        ({"button": [{"name": "无key", "message": "/x"}]}, "缺少 key"),
        ({"button": [{"name": "无消息", "key": "k"}]}, "缺少 message"),
        ({"button": [_leaf(1), _leaf(1)]}, "重复"),
        ({"button": [{"name": "这个一级菜单的名字实在太长了", "key": "k", "message": "/m"}]}, "超过 16 字节"),
        ({"button": [{"name": "组", "sub_button": []}]}, "非空列表"),
    ],
)
def test_invalid_menus(data, fragment):
    with pytest.raises(MenuError, match=fragment):
        parse_menu(data)


def test_limits_themselves_are_allowed():
    groups = [{"name": f"组{g}", "sub_button": [_leaf(g * 10 + i) for i in range(5)]} for g in range(3)]
    assert len(parse_menu({"button": groups}).buttons()) == 15


def test_cli_publishes_the_menu(wechat_api, capsys):
    env = {"WECHAT_APPID": "wxappid", "WECHAT_APPSECRET": "s", "WECHAT_API_BASE": wechat_api.url}
    assert main(["menu"], env=env) == 0
    out = capsys.readouterr().out.strip()
    assert out == "菜单已发布：3 个一级菜单、4 个按钮"
    created = wechat_api.recorded("/cgi-bin/menu/create")
    assert len(created) == 1
    assert created[0]["query"]["access_token"] == "token-1"
    assert created[0]["json"] == load_menu(DEFAULT_MENU_PATH).to_api()
    assert "政策咨询".encode() in created[0]["raw"]


def test_cli_reports_api_errors_in_one_line(wechat_api, capsys):
    wechat_api.rejected_tokens.update({"token-1", "token-2"})
    env = {"WECHAT_APPID": "wxappid", "WECHAT_APPSECRET": "s", "WECHAT_API_BASE": wechat_api.url}
    assert main(["menu"], env=env) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("菜单发布失败：微信返回错误 40001")


def test_cli_refuses_invalid_menu_without_calling_the_api(wechat_api, tmp_path, capsys):
    path = tmp_path / "menu.yml"
    path.write_text(yaml.safe_dump({"button": [_leaf(i) for i in range(4)]}, allow_unicode=True), "utf-8")
    env = {"WECHAT_APPID": "wxappid", "WECHAT_APPSECRET": "s", "WECHAT_API_BASE": wechat_api.url}
    assert main(["menu", "--file", str(path)], env=env) == 1
    assert capsys.readouterr().err.startswith("菜单无效：一级菜单最多 3 个")
    assert wechat_api.requests == []


def test_cli_needs_credentials(capsys):
    assert main(["menu"], env={}) == 1
    assert "WECHAT_APPID" in capsys.readouterr().err


def test_cli_check_only(capsys):
    assert main(["menu", "--check"], env={}) == 0
    assert capsys.readouterr().out.startswith("菜单检查通过")


def test_module_entry_point_runs(wechat_api):
    env = {"PATH": "", "WECHAT_APPID": "wxappid", "WECHAT_APPSECRET": "s", "WECHAT_API_BASE": wechat_api.url}
    result = subprocess.run(
        [sys.executable, "-m", "bot.channels.wechat", "menu"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "菜单已发布：3 个一级菜单、4 个按钮"
