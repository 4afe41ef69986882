"""What the dashboard's pages share: the blueprint, filters from the query string, labels, reading helpers."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.analytics import queries
from bot.analytics.queries import Filters
from bot.cases.sql_base import read_only
from bot.staff.web import NavItem, render
from policy_kb.vocabulary import VALIDITY_LABELS

bp = Blueprint("dashboard", url_prefix="/dashboard")
NAV = (NavItem("主管看板", "/dashboard", roles=("supervisor",)),)
SUPERVISOR = ("supervisor",)
MAX_DAYS = 731
INTENT_LABELS = {
    "greet": "问候",
    "goodbye": "再见",
    "thank": "感谢",
    "affirm": "肯定",
    "deny": "否定",
    "stop": "停止办理",
    "request_human": "转人工",
    "nlu_fallback": "没听懂（澄清）",
    "out_of_scope": "超出范围",
    "inform": "提供信息",
    "ask_capabilities": "能做什么",
    "register_job_seeking": "求职登记",
    "sign_up_transport": "报名“点对点”",
    "check_status": "查询进度",
    "check_eligibility": "我能享受什么",
    "estimate_subsidy": "补贴测算",
    "lookup_employer": "单位备案查询",
    "ask_contact": "联系方式",
    "ask_validity": "政策有效期",
}


class FilterError(ValueError):
    """A filter value the page cannot use; the message is Chinese."""


def parse_filters(args: Any, today: dt.date) -> tuple[Filters, int | None, list[str]]:
    """Filters from the query string (defaults: the last 30 days, all counties and channels).

    Returns:
        The filters, the follow-up days (``None``: the setting) and Chinese messages about ignored values.
    """
    problems: list[str] = []

    def day(name: str, default: dt.date) -> dt.date:
        raw = (args.get(name) or "").strip()
        if not raw:
            return default
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            problems.append(f"日期“{raw[:20]}”无效，应为 YYYY-MM-DD，已改用默认值。")
            return default

    end = day("end", today)
    start = day("start", end - dt.timedelta(days=29))
    if start > end:
        problems.append("开始日期晚于结束日期，已对调。")
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        problems.append(f"时间范围最长 {MAX_DAYS} 天，已从结束日期往前截取。")
        start = end - dt.timedelta(days=MAX_DAYS - 1)
    county = (args.get("county") or "").strip()[:32] or None
    channel = (args.get("channel") or "").strip()[:32] or None
    days: int | None = None
    raw_days = (args.get("days") or "").strip()
    if raw_days:
        if raw_days.isdigit() and 1 <= int(raw_days) <= 3650:
            days = int(raw_days)
        else:
            problems.append("“未就业天数”应为 1–3650 的整数，已改用默认值。")
    return Filters(start=start, end=end, county=county, channel=channel), days, problems


def query_string(f: Filters, **extra: Any) -> str:
    """The query string of ``f`` plus ``extra`` (``None`` values left out)."""
    values: dict[str, Any] = {"start": f.start.isoformat(), "end": f.end.isoformat()}
    if f.county:
        values["county"] = f.county
    if f.channel:
        values["channel"] = f.channel
    values.update({k: v for k, v in extra.items() if v is not None and v != ""})
    return urlencode(values)


@functools.lru_cache(maxsize=1)
def _kb() -> Any:
    from policy_kb.loader import default_kb

    return default_kb()


def clause_info(today: dt.date) -> Callable[[str], dict[str, str]]:
    """``document_id#number`` → label, title and validity on ``today`` (from the knowledge base)."""
    from policy_kb.dates import clause_status

    kb = _kb()

    def info(ref: str) -> dict[str, str]:
        document_id, _, number = ref.partition("#")
        clause = kb.find_clause(document_id, number)
        doc = kb.document_by_id(document_id)
        if clause is None or doc is None:
            return {"label": ref, "title": "（知识库中已没有这一条）", "validity": "unknown", "validity_label": "未知"}
        status = clause_status(doc, clause, today).value
        return {
            "label": f"{doc.number} {clause.label}",
            "title": clause.title,
            "validity": status,
            "validity_label": VALIDITY_LABELS.get(status, status),
        }

    return info


def intent_label(name: str | None, today: dt.date) -> str:
    """The Chinese name of an intent: a policy topic by its clause's benefit or title, others from a table."""
    if name and name.startswith("ask_") and name not in INTENT_LABELS:
        try:
            clause = _kb().clause_for_topic(name[len("ask_") :], today)
        except (KeyError, LookupError):
            clause = None
        if clause is not None:
            return f"问：{clause.benefit.name if clause.benefit else clause.title}"
    return label_of(INTENT_LABELS, name)


async def read(request: Request, unit: Callable[[Any], Any]) -> Any:
    """Run ``unit(connection)`` in a thread, in a transaction that only reads (no write lock on SQLite)."""
    engine = read_only(request.app.ctx.engine)

    def run() -> Any:
        with engine.connect() as conn:
            return unit(conn)

    return await asyncio.to_thread(run)


def today_of(request: Request) -> dt.date:
    return request.app.ctx.settings.today()


def label_of(mapping: Mapping[str, str], code: str | None) -> str:
    return mapping.get(code or "", code or "（空）")


def county_label(county: str) -> str:
    return county or "外省来临人员 / 未填写"


async def common_filters(request: Request) -> tuple[Filters, int, list[str], dict[str, list[str]]]:
    f, days, problems = parse_filters(request.args, today_of(request))
    options = await read(request, queries.filter_options)
    return f, days or request.app.ctx.settings.followup_days, problems, options


async def render_tab(
    request: Request, template: str, tab: str, filters: tuple[Filters, int, list[str], Any], **context: Any
) -> HTTPResponse:
    """A dashboard page: the template with the filters of :func:`common_filters`, the tab and ``context``."""
    f, days, problems, options = filters
    return await render(
        request, template, f=f, days=days, problems=problems, options=options, tab=tab, qs=query_string, **context
    )
