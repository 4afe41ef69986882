"""主管看板 (supervisors only): 动态监测 and 咨询情况, the rows behind every figure, CSV/Excel exports."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import functools
import io
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.analytics import queries
from bot.analytics.charts import Bar, Series, bar_chart, line_chart, stacked_bars
from bot.analytics.queries import Filters
from bot.staff.web import NavItem, error_page, render, requires_role
from policy_kb.vocabulary import (
    EMPLOYMENT_STATUS_LABELS,
    LOCAL_OR_AWAY_LABELS,
    STATUS_LABELS,
)
from policy_kb.vocabulary import PERSON_CATEGORY_LABELS as CATEGORY_LABELS

bp = Blueprint("dashboard", url_prefix="/dashboard")
NAV = (NavItem("主管看板", "/dashboard", roles=("supervisor",)),)
SUPERVISOR = ("supervisor",)
MAX_DAYS = 731
CHANNEL_LABELS = {"wechat": "微信公众号", "rest": "REST 接口", "unknown": "未知渠道"}
OUTCOME_LABELS = {"answered": "已回答", "clarification": "进入澄清", "fallback": "进入兜底", "handoff": "转人工"}
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
VALIDITY_LABELS = {
    "active": "执行中",
    "clause_expired": "本条已到期",
    "document_expired": "文件已到期",
    "not_yet_issued": "尚未印发",
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
    return _label(INTENT_LABELS, name)


async def _read(request: Request, unit: Callable[[Any], Any]) -> Any:
    engine = request.app.ctx.engine

    def run() -> Any:
        with engine.connect() as conn:
            return unit(conn)

    return await asyncio.to_thread(run)


def _today(request: Request) -> dt.date:
    return request.app.ctx.settings.today()


def _label(mapping: Mapping[str, str], code: str | None) -> str:
    return mapping.get(code or "", code or "（空）")


def _county_label(county: str) -> str:
    return county or "外省来临人员 / 未填写"


async def _common(request: Request) -> tuple[Filters, int, list[str], dict[str, list[str]]]:
    f, days, problems = parse_filters(request.args, _today(request))
    options = await _read(request, queries.filter_options)
    return f, days or request.app.ctx.settings.followup_days, problems, options


@bp.get("/")
@requires_role(*SUPERVISOR)
async def index(request: Request) -> HTTPResponse:
    """The dashboard opens on 动态监测."""
    return response.redirect("/dashboard/monitor")


@bp.get("/monitor")
@requires_role(*SUPERVISOR)
async def monitor(request: Request) -> HTTPResponse:
    """动态监测: persons by county × category × employment status, change over time, requests, follow-up."""
    f, days, problems, options = await _common(request)
    today = _today(request)
    panel = await _read(request, lambda conn: queries.monitor_panel(conn, f, days, today))
    counties = sorted({row["county"] for row in panel["matrix"]})
    statuses = list(EMPLOYMENT_STATUS_LABELS)
    cells: dict[tuple[str, str, str], int] = {
        (r["county"], r["category"], r["employment_status"]): r["persons"] for r in panel["matrix"]
    }
    status_totals = {s: sum(n for (_, _, st), n in cells.items() if st == s) for s in statuses}
    status_chart = bar_chart(
        [
            Bar(
                EMPLOYMENT_STATUS_LABELS[s],
                status_totals[s],
                f"/dashboard/rows/persons?{query_string(f, status=s)}",
            )
            for s in statuses
        ],
        chart_id="chart-status",
    )
    trend_days = sorted({r["day"] for r in panel["trend"]})
    trend_values = {(r["day"], r["employment_status"]): r["persons"] for r in panel["trend"]}
    trend_chart = line_chart(
        trend_days,
        [
            Series(
                EMPLOYMENT_STATUS_LABELS[s],
                [trend_values.get((d, s), 0) for d in trend_days],
                [f"/dashboard/rows/persons?{query_string(f, status=s)}" for _ in trend_days],
            )
            for s in statuses
        ],
        chart_id="chart-trend",
    )
    request_charts = {}
    for kind, (label, _table) in queries.REQUEST_KINDS.items():
        rows = panel["requests"][kind]
        weeks = sorted({r["week"] for r in rows})
        values = {(r["week"], r["status"]): r["count"] for r in rows}
        request_charts[kind] = (
            label,
            sum(r["count"] for r in rows),
            stacked_bars(
                weeks,
                [
                    Series(
                        STATUS_LABELS[s],
                        [values.get((w, s), 0) for w in weeks],
                        [f"/dashboard/rows/requests?{query_string(f, kind=kind, status=s, week=w)}" for w in weeks],
                    )
                    for s in STATUS_LABELS
                ],
                chart_id=f"chart-{kind}",
                width=540,
                height=200,
            ),
        )
    followup_chart = bar_chart(
        [
            Bar(
                _county_label(r["county"]),
                r["persons"],
                f"/dashboard/rows/followup?{query_string(Filters(f.start, f.end, r['county'] or None), days=days)}",
            )
            for r in panel["followup"]
        ],
        chart_id="chart-followup",
    )
    return await render(
        request,
        "dashboard_monitor.html",
        f=f,
        days=days,
        problems=problems,
        options=options,
        tab="monitor",
        extra={},
        qs=query_string,
        counties=counties,
        statuses=statuses,
        categories=list(CATEGORY_LABELS),
        cells=cells,
        total_persons=sum(cells.values()),
        status_chart=status_chart,
        trend_chart=trend_chart,
        request_charts=request_charts,
        followup_chart=followup_chart,
        followup_total=sum(r["persons"] for r in panel["followup"]),
        county_label=_county_label,
        category_labels=CATEGORY_LABELS,
        status_labels=EMPLOYMENT_STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@bp.get("/enquiries")
@requires_role(*SUPERVISOR)
async def enquiries(request: Request) -> HTTPResponse:
    """咨询情况: conversations and turns per day and channel, top intents and clauses, unanswered questions."""
    f, days, problems, options = await _common(request)
    info = clause_info(_today(request))
    panel = await _read(request, lambda conn: queries.enquiry_panel(conn, f, info))
    day_list = [(f.start + dt.timedelta(days=i)).isoformat() for i in range((f.end - f.start).days + 1)]
    channels = sorted({r["channel"] for r in panel["per_day"]})
    per_day = {(r["day"], r["channel"]): r for r in panel["per_day"]}

    def series(measure: str) -> list[Series]:
        return [
            Series(
                f"{_label(CHANNEL_LABELS, ch)}",
                [per_day.get((d, ch), {}).get(measure, 0) for d in day_list],
                [
                    f"/dashboard/rows/turns?{query_string(Filters(f.start, f.end, f.county, ch), day=d)}"
                    for d in day_list
                ],
            )
            for ch in channels
        ]

    intents_chart = bar_chart(
        [
            Bar(
                intent_label(r["intent"], _today(request)),
                r["turns"],
                f"/dashboard/rows/turns?{query_string(f, intent=r['intent'])}",
            )
            for r in panel["intents"]
        ],
        chart_id="chart-intents",
    )
    clauses_chart = bar_chart(
        [
            Bar(
                f"{r['label'].split(' ')[-1]} {r['title']}",
                r["turns"],
                f"/dashboard/rows/turns?{query_string(f, clause=r['clause'])}",
            )
            for r in panel["clauses"]
        ],
        chart_id="chart-clauses",
        label_width=230,
    )
    median = panel["median_response_ms"]
    return await render(
        request,
        "dashboard_enquiries.html",
        f=f,
        days=days,
        problems=problems,
        options=options,
        tab="enquiries",
        extra={},
        qs=query_string,
        panel=panel,
        conversations_chart=line_chart(day_list, series("conversations"), chart_id="chart-conversations"),
        turns_chart=line_chart(day_list, series("turns"), chart_id="chart-turns"),
        intents_chart=intents_chart,
        clauses_chart=clauses_chart,
        handoff_rate=_percent(panel["handoff_rate"]),
        containment=_percent(panel["containment"]),
        median=("—" if median is None else f"{median:.0f} ms"),
        outcome_labels=OUTCOME_LABELS,
        channel_labels=CHANNEL_LABELS,
    )


# -- rows behind the figures, and exports ----------------------------------------------------------------------

ROW_KINDS = ("turns", "followup", "requests", "persons")


def _rows(conn: Any, kind: str, f: Filters, args: Any, days: int, today: dt.date, limit: int | None) -> Any:
    """(title, columns, rows) of one drill-down."""
    if kind == "turns":
        day_raw = (args.get("day") or "").strip()
        try:
            day = dt.date.fromisoformat(day_raw) if day_raw else None
        except ValueError:
            raise FilterError("日期无效") from None
        handed = args.get("handed_off")
        rows = queries.turn_rows(
            conn,
            f,
            intent=args.get("intent") or None,
            clause=args.get("clause") or None,
            outcome=args.get("outcome") or None,
            question=args.get("question") or None,
            handed_off=None if handed is None else handed == "1",
            day=day,
            limit=limit,
        )
        for r in rows:
            r["channel"] = _label(CHANNEL_LABELS, r["channel"])
            r["outcome"] = _label(OUTCOME_LABELS, r["outcome"])
        columns = [
            ("time", "时间"),
            ("channel", "渠道"),
            ("county", "县区"),
            ("intent", "意图"),
            ("confidence", "置信度"),
            ("outcome", "结果"),
            ("clause", "条款"),
            ("response_ms", "响应 ms"),
            ("text", "用户原话（已遮蔽身份证号和手机号）"),
            ("conversation", "会话"),
        ]
        return "对话明细", columns, rows
    if kind == "followup":
        rows = queries.followup_rows(conn, f, days, today, limit=limit)
        for r in rows:
            r["county"] = _county_label(r["county"])
            r["category"] = _label(CATEGORY_LABELS, r["category"])
            r["local_or_away"] = _label(LOCAL_OR_AWAY_LABELS, r["local_or_away"])
            r["status"] = _label(STATUS_LABELS, r["status"])
        columns = [
            ("reference", "登记编号"),
            ("county", "县区"),
            ("township", "乡镇"),
            ("category", "人员类别"),
            ("work_wanted", "想找的工作"),
            ("local_or_away", "就业意向"),
            ("status", "登记状态"),
            ("registered", "登记日期"),
            ("days_waiting", "已登记天数"),
        ]
        return f"登记后 {days} 天仍未就业的人员（跟踪名单）", columns, rows
    if kind == "requests":
        request_kind = args.get("kind") or ""
        if request_kind not in queries.REQUEST_KINDS:
            raise FilterError("没有这种业务")
        week = args.get("week") or None
        try:
            rows = queries.request_rows(conn, f, request_kind, args.get("status") or None, week)
        except ValueError:
            raise FilterError("周次无效") from None
        for r in rows:
            r["status"] = _label(STATUS_LABELS, r["status"])
            r["county"] = _county_label(r["county"])
        columns = [("reference", "编号"), ("status", "状态"), ("created", "提交时间（UTC）"), ("county", "县区")]
        return f"{queries.REQUEST_KINDS[request_kind][0]}明细", columns, rows
    if kind == "persons":
        rows = queries.person_rows(conn, f, args.get("category") or None, args.get("status") or None)
        for r in rows:
            r["county"] = _county_label(r["county"])
            r["category"] = _label(CATEGORY_LABELS, r["category"])
            r["employment_status"] = _label(EMPLOYMENT_STATUS_LABELS, r["employment_status"])
        columns = [
            ("county", "县区"),
            ("township", "乡镇"),
            ("category", "人员类别"),
            ("employment_status", "就业状态"),
            ("persons", "人数"),
        ]
        return "人员分布（按乡镇）", columns, rows
    raise FilterError("没有这种明细")


@bp.get("/rows/<kind:str>")
@requires_role(*SUPERVISOR)
async def rows_page(request: Request, kind: str) -> HTTPResponse:
    """The rows behind a figure (masked), with CSV and Excel links."""
    f, days, problems, options = await _common(request)
    today = _today(request)
    try:
        title, columns, rows = await _read(
            request, lambda conn: _rows(conn, kind, f, request.args, days, today, queries.ROW_LIMIT)
        )
    except FilterError as exc:
        return error_page(400, f"{exc}。")
    args = {k: v for k, v in request.args.items() if k not in ("start", "end", "county", "channel")}
    extra = {k: (v[0] if isinstance(v, list) else v) for k, v in args.items()}
    return await render(
        request,
        "dashboard_rows.html",
        f=f,
        days=days,
        problems=problems,
        options=options,
        tab="rows",
        qs=query_string,
        kind=kind,
        title=title,
        columns=columns,
        rows=rows,
        extra=extra,
        limit=queries.ROW_LIMIT,
        channel_labels=CHANNEL_LABELS,
    )


def to_csv(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> bytes:
    """CSV with a BOM, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in columns])
    for row in rows:
        writer.writerow([row.get(key, "") for key, _ in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> bytes:
    """An Excel workbook with one sheet (openpyxl, write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31].replace("/", "-"))
    sheet.append([label for _, label in columns])
    for row in rows:
        sheet.append([row.get(key, "") for key, _ in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@bp.get("/export/<kind:str>/<fmt:str>")
@requires_role(*SUPERVISOR)
async def export(request: Request, kind: str, fmt: str) -> HTTPResponse:
    """Every row behind a figure as CSV or Excel (the follow-up list in full, for the county offices)."""
    if fmt not in ("csv", "xlsx") or kind not in ROW_KINDS:
        return error_page(404, "没有这种导出。")
    f, days, _problems = parse_filters(request.args, _today(request))
    days = days or request.app.ctx.settings.followup_days
    today = _today(request)
    try:
        title, columns, rows = await _read(request, lambda conn: _rows(conn, kind, f, request.args, days, today, None))
    except FilterError as exc:
        return error_page(400, f"{exc}。")
    name = f"{kind}-{f.start.isoformat()}-{f.end.isoformat()}{'-' + f.county if f.county else ''}"
    if fmt == "csv":
        body, mime = to_csv(columns, rows), "text/csv; charset=utf-8"
    else:
        body = await asyncio.to_thread(to_xlsx, title, columns, rows)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    from urllib.parse import quote

    return response.raw(
        body,
        content_type=mime,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"},
    )
