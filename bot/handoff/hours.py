"""Staffed hours of the human service and the notice a user gets when their request enters the queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SERVICE_FILE = Path(__file__).resolve().parents[2] / "policy_kb" / "service.yml"
# Local time of the service (Linyi); the hours in service.yml are read in it.
CHINA = dt.timezone(dt.timedelta(hours=8))


class HoursError(ValueError):
    """``human_service`` in service.yml is malformed; the message names the field."""


@dataclass(frozen=True)
class ServiceHours:
    """Weekdays (1 = Monday) and periods (start, end) in which agents answer handed-over users."""

    weekdays: tuple[int, ...]
    periods: tuple[tuple[dt.time, dt.time], ...]
    days_text: str
    hotline: str

    def describe(self) -> str:
        """``周一至周五（法定节假日除外）9:00–12:00、13:30–17:00``."""
        spans = "、".join(f"{a.hour}:{a.minute:02d}–{b.hour}:{b.minute:02d}" for a, b in self.periods)
        return f"{self.days_text}{spans}"

    def is_open(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` (aware) is inside the staffed hours."""
        local = moment.astimezone(CHINA)
        if local.isoweekday() not in self.weekdays:
            return False
        return any(start <= local.time() < end for start, end in self.periods)


def _time(text: str) -> dt.time:
    hours, minutes = text.strip().split(":")
    return dt.time(int(hours), int(minutes))


def parse_hours(data: dict, path: Path = SERVICE_FILE) -> ServiceHours:
    """Read ``human_service`` (and the hotline) from the parsed service.yml."""
    section = data.get("human_service")
    if not isinstance(section, dict):
        raise HoursError(f"{path}: 缺少 human_service")
    try:
        weekdays = tuple(int(d) for d in section["weekdays"])
        periods = tuple((_time(p.split("-")[0]), _time(p.split("-")[1])) for p in section["periods"])
        days_text = str(section["days_text"])
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):
        raise HoursError(f'{path}: human_service 应有 weekdays、periods（如 "09:00-12:00"）和 days_text') from None
    if not weekdays or not all(1 <= d <= 7 for d in weekdays) or any(a >= b for a, b in periods):
        raise HoursError(f"{path}: human_service 的星期应为 1–7，时段应开始早于结束")
    hotline = data.get("hotline") or {}
    return ServiceHours(weekdays, periods, days_text, f"{hotline.get('name', '')}{hotline.get('number', '')}")


@lru_cache(maxsize=1)
def service_hours() -> ServiceHours:
    """The hours from ``policy_kb/service.yml`` (read once)."""
    return parse_hours(yaml.safe_load(SERVICE_FILE.read_text(encoding="utf-8")), SERVICE_FILE)


def queue_notice(reference: str, position: int, now: dt.datetime, hours: ServiceHours | None = None) -> str:
    """What the user is told when their request enters the queue, inside or outside the staffed hours."""
    hours = hours or service_hours()
    head = f"已为您转接人工服务（编号 {reference}）"
    if hours.is_open(now):
        ahead = f"，前面还有 {position - 1} 位" if position > 1 else ""
        return f"{head}{ahead}。工作人员接入后会直接在这里回复您，请稍候；如需马上咨询，也可以拨打{hours.hotline}。"
    return (
        f"{head}。现在是非工作时间（人工服务时间：{hours.describe()}），您的请求已保留，"
        f"工作人员上班后会按顺序在这里回复您；急事请拨打{hours.hotline}。"
    )


def queued_notice(reference: str, engine: Any = None) -> str:
    """:func:`queue_notice` for a request just filed, with its place in the console's queue (blocking).

    ``engine`` is the case database's; without one (a remote case system) the place is not counted.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from bot.handoff.queue import Handoffs

    position = 1
    if engine is not None:
        try:
            position = Handoffs(engine).position(reference)
        except SQLAlchemyError:
            position = 1
    return queue_notice(reference, position, dt.datetime.now(dt.timezone.utc))
