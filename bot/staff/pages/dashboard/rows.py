"""The rows behind every figure (masked) and their CSV / Excel exports."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from typing import Any

from sanic import Request, response
from sanic.response import HTTPResponse

from bot.analytics import queries
from bot.analytics.queries import Filters
from bot.staff.pages.dashboard.common import (
    SUPERVISOR,
    FilterError,
    bp,
    common_filters,
    county_label,
    label_of,
    parse_filters,
    read,
    render_tab,
    today_of,
)
from bot.staff.web import error_page, requires_role
from policy_kb.vocabulary import CHANNEL_LABELS, EMPLOYMENT_STATUS_LABELS, LOCAL_OR_AWAY_LABELS, STATUS_LABELS
from policy_kb.vocabulary import PERSON_CATEGORY_LABELS as CATEGORY_LABELS
from policy_kb.vocabulary import TURN_OUTCOME_LABELS as OUTCOME_LABELS

ROW_KINDS = ("turns", "followup", "requests", "persons")

# The columns of each kind of rows: key → heading.
TURN_COLUMNS = {
    "time": "时间",
    "channel": "渠道",
    "county": "县区",
    "intent": "意图",
    "confidence": "置信度",
    "outcome": "结果",
    "clause": "条款",
    "response_ms": "响应 ms",
    "text": "用户原话（已遮蔽身份证号和手机号）",
    "conversation": "会话",
}
FOLLOWUP_COLUMNS = {
    "reference": "登记编号",
    "county": "县区",
    "township": "乡镇",
    "category": "人员类别",
    "work_wanted": "想找的工作",
    "local_or_away": "就业意向",
    "status": "登记状态",
    "registered": "登记日期",
    "days_waiting": "已登记天数",
}
PERSON_COLUMNS = {
    "county": "县区",
    "township": "乡镇",
    "category": "人员类别",
    "employment_status": "就业状态",
    "persons": "人数",
}


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
            r["channel"] = label_of(CHANNEL_LABELS, r["channel"])
            r["outcome"] = label_of(OUTCOME_LABELS, r["outcome"])
        columns = list(TURN_COLUMNS.items())
        return "对话明细", columns, rows
    if kind == "followup":
        rows = queries.followup_rows(conn, f, days, today, limit=limit)
        for r in rows:
            r["county"] = county_label(r["county"])
            r["category"] = label_of(CATEGORY_LABELS, r["category"])
            r["local_or_away"] = label_of(LOCAL_OR_AWAY_LABELS, r["local_or_away"])
            r["status"] = label_of(STATUS_LABELS, r["status"])
        columns = list(FOLLOWUP_COLUMNS.items())
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
            r["status"] = label_of(STATUS_LABELS, r["status"])
            r["county"] = county_label(r["county"])
        columns = [("reference", "编号"), ("status", "状态"), ("created", "提交时间（UTC）"), ("county", "县区")]
        return f"{queries.REQUEST_KINDS[request_kind][0]}明细", columns, rows
    if kind == "persons":
        rows = queries.person_rows(conn, f, args.get("category") or None, args.get("status") or None)
        for r in rows:
            r["county"] = county_label(r["county"])
            r["category"] = label_of(CATEGORY_LABELS, r["category"])
            r["employment_status"] = label_of(EMPLOYMENT_STATUS_LABELS, r["employment_status"])
        columns = list(PERSON_COLUMNS.items())
        return "人员分布（按乡镇）", columns, rows
    raise FilterError("没有这种明细")


@bp.get("/rows/<kind:str>")
@requires_role(*SUPERVISOR)
async def rows_page(request: Request, kind: str) -> HTTPResponse:
    """The rows behind a figure (masked), with CSV and Excel links."""
    f, days, problems, options = await common_filters(request)
    today = today_of(request)
    try:
        title, columns, rows = await read(
            request, lambda conn: _rows(conn, kind, f, request.args, days, today, queries.ROW_LIMIT)
        )
    except FilterError as exc:
        return error_page(400, f"{exc}。")
    args = {k: v for k, v in request.args.items() if k not in ("start", "end", "county", "channel")}
    extra = {k: (v[0] if isinstance(v, list) else v) for k, v in args.items()}
    return await render_tab(
        request,
        "dashboard_rows.html",
        "rows",
        (f, days, problems, options),
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
    f, days, _problems = parse_filters(request.args, today_of(request))
    days = days or request.app.ctx.settings.followup_days
    today = today_of(request)
    try:
        title, columns, rows = await read(request, lambda conn: _rows(conn, kind, f, request.args, days, today, None))
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
