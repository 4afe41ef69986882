"""The two panels: 动态监测 (clause 十六's monitoring of the people the policy serves) and 咨询情况 (enquiries)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import Any

from sanic import Request, response
from sanic.response import HTTPResponse

from bot.analytics import queries
from bot.analytics.charts import Bar, Series, bar_chart, line_chart, stacked_bars
from bot.analytics.queries import Filters
from bot.staff.pages.dashboard.common import (
    SUPERVISOR,
    bp,
    clause_info,
    common_filters,
    county_label,
    intent_label,
    label_of,
    query_string,
    read,
    render_tab,
    today_of,
)
from bot.staff.web import requires_role
from policy_kb.vocabulary import CHANNEL_LABELS, EMPLOYMENT_STATUS_LABELS, STATUS_LABELS
from policy_kb.vocabulary import PERSON_CATEGORY_LABELS as CATEGORY_LABELS
from policy_kb.vocabulary import TURN_OUTCOME_LABELS as OUTCOME_LABELS


@bp.get("/")
@requires_role(*SUPERVISOR)
async def index(request: Request) -> HTTPResponse:
    """The dashboard opens on 动态监测."""
    return response.redirect("/dashboard/monitor")


@bp.get("/monitor")
@requires_role(*SUPERVISOR)
async def monitor(request: Request) -> HTTPResponse:
    """动态监测: persons by county × category × employment status, change over time, requests, follow-up."""
    f, days, problems, options = await common_filters(request)
    today = today_of(request)
    panel = await read(request, lambda conn: queries.monitor_panel(conn, f, days, today))
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
    trend_series = _series(
        trend_days,
        {s: EMPLOYMENT_STATUS_LABELS[s] for s in statuses},
        trend_values,
        lambda s, _day: f"/dashboard/rows/persons?{query_string(f, status=s)}",
    )
    trend_chart = line_chart(trend_days, trend_series, chart_id="chart-trend")
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
                _series(weeks, STATUS_LABELS, values, functools.partial(_request_rows, f, kind)),
                chart_id=f"chart-{kind}",
                width=540,
                height=200,
            ),
        )
    followup_chart = bar_chart(
        [
            Bar(
                county_label(r["county"]),
                r["persons"],
                f"/dashboard/rows/followup?{query_string(Filters(f.start, f.end, r['county'] or None), days=days)}",
            )
            for r in panel["followup"]
        ],
        chart_id="chart-followup",
    )
    return await render_tab(
        request,
        "dashboard_monitor.html",
        "monitor",
        (f, days, problems, options),
        extra={},
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
        county_label=county_label,
        category_labels=CATEGORY_LABELS,
        status_labels=EMPLOYMENT_STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
        refreshed=_refreshed_line(panel["refreshed_at"], request.app.ctx.settings.analytics_case_refresh_seconds),
    )


def _refreshed_line(at: float | None, every_seconds: float) -> str:
    """When the pre-aggregated figures were computed, in China Standard Time."""
    if at is None:
        return "汇总数字尚未生成：统计进程启动后会立即计算。"
    when = dt.datetime.fromtimestamp(at, queries.CHINA).strftime("%Y-%m-%d %H:%M")
    return f"汇总数字更新于 {when}（北京时间），每 {every_seconds:g} 秒重算一次。"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@bp.get("/enquiries")
@requires_role(*SUPERVISOR)
async def enquiries(request: Request) -> HTTPResponse:
    """咨询情况: conversations and turns per day and channel, top intents and clauses, unanswered questions."""
    f, days, problems, options = await common_filters(request)
    info = clause_info(today_of(request))
    panel = await read(request, lambda conn: queries.enquiry_panel(conn, f, info))
    day_list = [(f.start + dt.timedelta(days=i)).isoformat() for i in range((f.end - f.start).days + 1)]
    channels = sorted({r["channel"] for r in panel["per_day"]})
    per_day = {(r["day"], r["channel"]): r for r in panel["per_day"]}

    def series(measure: str) -> list[Series]:
        return [
            Series(
                f"{label_of(CHANNEL_LABELS, ch)}",
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
                intent_label(r["intent"], today_of(request)),
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
    return await render_tab(
        request,
        "dashboard_enquiries.html",
        "enquiries",
        (f, days, problems, options),
        conversations_chart=line_chart(day_list, series("conversations"), chart_id="chart-conversations"),
        extra={},
        panel=panel,
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


def _series(
    xs: list[Any], labels: Mapping[str, str], values: dict[tuple[Any, str], int], href: Callable[[str, Any], str]
) -> list[Series]:
    """One series per code of ``labels`` over ``xs`` (days or weeks), each point linking to its rows."""
    return [
        Series(label, [values.get((x, code), 0) for x in xs], [href(code, x) for x in xs])
        for code, label in labels.items()
    ]


def _request_rows(f: Filters, kind: str, status: str, week: Any) -> str:
    return f"/dashboard/rows/requests?{query_string(f, kind=kind, status=status, week=week)}"
