"""In-process timings of the knowledge base: search and answer composition, without Rasa."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from policy_kb.answer import PolicyResponder
from policy_kb.loader import default_kb


def _time_calls(fn: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def bench_in_process(rounds: int) -> list[tuple[str, list[float]]]:
    """Answer composition and search without Rasa."""
    responder = PolicyResponder(default_kb())
    today = dt.date(2026, 11, 28)
    responder.retriever.search("预热")
    long_question = "来电人问，他们帮扶车间去年吸纳了3个脱贫户和1个边缘户，以工代训补贴每人每月多少钱，最长补几个月"
    rows = [
        (
            "知识库检索（jieba + BM25，一句长问题）",
            _time_calls(lambda: responder.retriever.search(long_question), rounds),
        ),
        (
            "按意图组成回答（含日期判断）",
            _time_calls(lambda: responder.respond("公益岗", "ask_public_welfare_post", 0.9, today), rounds),
        ),
        ("意图不确定时：检索后回答", _time_calls(lambda: responder.respond(long_question, None, 0.0, today), rounds)),
    ]
    return rows
