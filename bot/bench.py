"""``make bench``: how fast the assistant answers, measured on this machine.

Starts the real servers (``python -m bot serve``) on free loopback ports with a fresh demo database, then
times REST turns end to end (NLU, dialogue, action server, knowledge base) and, in process, the knowledge
base's own answer composition and full-text search. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from bot.settings import PROJECT_ROOT
from policy_kb.answer import PolicyResponder
from policy_kb.loader import default_kb

QUESTIONS = (
    "公益岗合同签几年",
    "帮扶车间招脱贫户有补贴吗",
    "人力资源公司组织外出务工给补多少",
    "有没有点对点专车",
    "重庆城口来的能认定就业困难人员吗",
    "这个政策还有效吗",
    "你好",
    "明天天气怎么样",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, max(ordered)


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


def bench_servers(rounds: int) -> tuple[list[float], float]:
    """REST turns against the real servers; returns latencies and the start-up time."""
    rasa_port, actions_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            RASA_PORT=str(rasa_port),
            ACTIONS_PORT=str(actions_port),
            RASA_API_TOKEN="bench",
            CONSOLE_PORT=str(_free_port()),
            CONSOLE_DEMO_PASSWORD="bench-console-pw",
            CASE_DB_URL=f"sqlite:///{Path(tmp) / 'cases.db'}",
        )
        subprocess.run([sys.executable, "-m", "bot", "db"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=PROJECT_ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{rasa_port}"
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit("bot serve exited during start-up")
                try:
                    if requests.get(f"{url}/status", params={"token": "bench"}, timeout=2).ok:
                        break
                except requests.ConnectionError:
                    pass
                time.sleep(0.5)
            startup = time.perf_counter() - started
            webhook = f"{url}/webhooks/rest/webhook"
            requests.post(webhook, json={"sender": "warm", "message": "你好"}, timeout=60).raise_for_status()
            samples = []
            for i in range(rounds):
                question = QUESTIONS[i % len(QUESTIONS)]
                start = time.perf_counter()
                requests.post(webhook, json={"sender": f"b{i}", "message": question}, timeout=60).raise_for_status()
                samples.append((time.perf_counter() - start) * 1000)
            return samples, startup
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description="就业帮扶助手性能测试")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--turns", type=int, default=80)
    args = parser.parse_args(argv)
    rows = bench_in_process(args.rounds)
    turns, startup = bench_servers(args.turns)
    print(f"性能测试（{os.cpu_count()} 核，{args.rounds} 次进程内调用，{args.turns} 轮 REST 对话）")
    print("| 项目 | 中位数 ms | p95 ms | 最大 ms |")
    print("|---|---|---|---|")
    for label, samples in [*rows, ("REST 一轮对话（NLU + 对话管理 + 动作服务器）", turns)]:
        p50, p95, worst = _percentiles(samples)
        print(f"| {label} | {p50:.2f} | {p95:.2f} | {worst:.2f} |")
    print(f"服务启动到可用：{startup:.1f} 秒")
    return 0


if __name__ == "__main__":
    sys.exit(main())
