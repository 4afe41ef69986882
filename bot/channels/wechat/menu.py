"""The account's custom menu: loaded from ``menu.yml``, validated, published, and mapped to Rasa messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_MENU_PATH = Path(__file__).with_name("menu.yml")
MAX_TOP_LEVEL = 3
MAX_SUB_BUTTONS = 5
# Byte limits of the menu API: top-level names 16 bytes, sub-button names 60, keys 128.
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128


class MenuError(ValueError):
    """The menu definition is invalid; the message is Chinese and names the offending button."""


@dataclass(frozen=True)
class MenuButton:
    """A clickable button: its label, the ``EventKey`` WeChat sends, and the message for the assistant."""

    name: str
    key: str
    message: str


@dataclass(frozen=True)
class MenuGroup:
    """A top-level entry: either one button or a named group of sub-buttons."""

    name: str
    button: MenuButton | None = None
    sub_buttons: tuple[MenuButton, ...] = ()


@dataclass(frozen=True)
class Menu:
    """A validated menu."""

    groups: tuple[MenuGroup, ...] = field(default_factory=tuple)

    def buttons(self) -> list[MenuButton]:
        """Every clickable button, top-level and nested, in display order."""
        result: list[MenuButton] = []
        for group in self.groups:
            result.extend([group.button] if group.button else group.sub_buttons)
        return result

    def messages_by_key(self) -> dict[str, str]:
        """Map each ``EventKey`` to the message sent to the assistant."""
        return {button.key: button.message for button in self.buttons()}

    def to_api(self) -> dict[str, Any]:
        """The body of ``POST /cgi-bin/menu/create``."""

        def click(button: MenuButton) -> dict[str, str]:
            return {"type": "click", "name": button.name, "key": button.key}

        entries: list[dict[str, Any]] = []
        for group in self.groups:
            if group.button:
                entries.append(click(group.button))
            else:
                entries.append({"name": group.name, "sub_button": [click(b) for b in group.sub_buttons]})
        return {"button": entries}


def _text(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MenuError(f"{where}缺少 {name}")
    return value.strip()


def _button(entry: Any, where: str, name_limit: int) -> MenuButton:
    if not isinstance(entry, Mapping):
        raise MenuError(f"{where}应为键值表")
    button = MenuButton(
        name=_text(entry, "name", where),
        key=_text(entry, "key", where),
        message=_text(entry, "message", where),
    )
    if len(button.name.encode("utf-8")) > name_limit:
        raise MenuError(f"{where}名称“{button.name}”超过 {name_limit} 字节")
    if len(button.key.encode("utf-8")) > MAX_KEY_BYTES:
        raise MenuError(f"{where}的 key 超过 {MAX_KEY_BYTES} 字节")
    return button


def parse_menu(data: Any) -> Menu:
    """Validate a menu definition (the parsed YAML) and return it.

    Raises:
        MenuError: No buttons, more than 3 top-level buttons or 5 sub-buttons, a missing name, key or
            message, a name or key too long, or a key used twice.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("button"), list) or not data["button"]:
        raise MenuError("菜单定义应包含非空的 button 列表")
    entries = data["button"]
    if len(entries) > MAX_TOP_LEVEL:
        raise MenuError(f"一级菜单最多 {MAX_TOP_LEVEL} 个，当前 {len(entries)} 个")
    groups: list[MenuGroup] = []
    for i, entry in enumerate(entries, start=1):
        where = f"第 {i} 个一级菜单"
        if not isinstance(entry, Mapping):
            raise MenuError(f"{where}应为键值表")
        if "sub_button" not in entry:
            button = _button(entry, where, MAX_TOP_NAME_BYTES)
            groups.append(MenuGroup(name=button.name, button=button))
            continue
        name = _text(entry, "name", where)
        if len(name.encode("utf-8")) > MAX_TOP_NAME_BYTES:
            raise MenuError(f"{where}名称“{name}”超过 {MAX_TOP_NAME_BYTES} 字节")
        subs = entry["sub_button"]
        if not isinstance(subs, list) or not subs:
            raise MenuError(f"{where}“{name}”的 sub_button 应为非空列表")
        if len(subs) > MAX_SUB_BUTTONS:
            raise MenuError(f"{where}“{name}”的子菜单最多 {MAX_SUB_BUTTONS} 个，当前 {len(subs)} 个")
        sub_buttons = tuple(
            _button(sub, f"{where}“{name}”的第 {j} 个子菜单", MAX_SUB_NAME_BYTES) for j, sub in enumerate(subs, start=1)
        )
        groups.append(MenuGroup(name=name, sub_buttons=sub_buttons))
    menu = Menu(groups=tuple(groups))
    keys = [b.key for b in menu.buttons()]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise MenuError(f"菜单 key 重复：{'、'.join(duplicates)}")
    return menu


def load_menu(path: Path = DEFAULT_MENU_PATH) -> Menu:
    """Read and validate a menu file.

    Raises:
        MenuError: The file is missing, not YAML, or not a valid menu.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MenuError(f"无法读取菜单文件 {path}：{exc.strerror}") from None
    except yaml.YAMLError:
        raise MenuError(f"菜单文件 {path} 不是有效的 YAML") from None
    return parse_menu(data)
