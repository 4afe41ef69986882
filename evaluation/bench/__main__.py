"""``make bench``: the assistant against a bare-Rasa floor under the same closed-loop REST load, in one run.

Every system is started on free loopback ports and warmed up; then each load level (1, 10 and 50 concurrent
senders) runs on one system after the other, each measured alone once the others have gone quiet, so a drift
of the host's speed over the run reaches them alike; a last single sender has an 80-turn conversation with each,
to show how the cost of a turn grows with the conversation. Prints Markdown tables: turns/s, p50/p95/p99, errors,
the assistant-to-floor ratios, and the knowledge base's in-process timings.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.bench import kb, load, servers

# Turns per sender at each concurrency: enough turns to fill the percentiles, bounded so a run takes minutes.
DEFAULT_LEVELS = ((1, 40), (10, 20), (50, 10))
LENGTH_TURNS = 80
# Long conversations per system: one lasts two seconds, where a single slow moment of the host moves a ten-turn
# mean by a third; the table gives the mean over all of them, and each one's ratio.
LENGTH_CONVERSATIONS = 3
WARMUP_TURNS = 14
# Warm-up rounds: one sender, then four at once (connections spread over the workers: each one warms up).
WARMUP_SENDERS = (1, 4)


@dataclass
class SystemResult:
    """Everything measured on one system."""

    name: str
    startup_s: float
    levels: list[load.LevelResult] = field(default_factory=list)
    lengths: list[load.LevelResult] = field(default_factory=list)  # the long conversations, one after another


def measure(
    systems: list[tuple[str, Callable[[], AbstractContextManager[tuple[str, float, int]]]]],
    levels: tuple[tuple[int, int], ...],
    length_turns: int,
) -> list[SystemResult]:
    """Start every system (one after the other), warm each up, then run each load level on every system in turn,
    and the long conversation likewise; stop them all.

    The systems take turns level by level, so a host whose speed drifts over the minutes of a run (other
    machines on the same host) slows them alike; before each measurement the others have gone quiet.
    """
    with contextlib.ExitStack() as stack:
        running = []
        for name, serve in systems:
            url, startup, pid = stack.enter_context(serve())
            print(f"{name}：{startup:.0f} 秒后可用", flush=True)
            for senders in WARMUP_SENDERS:  # several at once too, so that every worker has answered before
                load.run_level(url, senders, WARMUP_TURNS, f"warm{senders}-{time.time_ns()}")
            running.append((SystemResult(name, startup), url, pid))

        def quiet() -> None:
            for _result, _url, pid in running:
                servers.wait_quiet(pid)

        for senders, turns in levels:
            for result, url, _pid in running:
                quiet()
                level = load.run_level(url, senders, turns, f"c{senders}-{time.time_ns()}")
                print(
                    f"  {result.name} {senders} 个并发发送者：{level.throughput:.1f} 轮/秒，错误 {level.errors}",
                    flush=True,
                )
                result.levels.append(level)
        for _conversation in range(LENGTH_CONVERSATIONS if length_turns else 0):
            for result, url, _pid in running:
                quiet()
                result.lengths.append(load.run_level(url, 1, length_turns, f"long-{time.time_ns()}"))
    return [result for result, _url, _pid in running]


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0f}"


def _ratio(a: float, b: float) -> str:
    return "—" if not b or math.isnan(a) or math.isnan(b) else f"{a / b:.2f}×"


def report(results: list[SystemResult]) -> Iterator[str]:
    """The Markdown tables of a run."""
    floor = results[0]
    yield "| 系统 | 并发 | 轮数 | 轮/秒 | p50 ms | p95 ms | p99 ms | 错误 | 吞吐 / floor | p50 / floor |"
    yield "|---|---|---|---|---|---|---|---|---|---|"
    for system in results:
        for level, base in zip(system.levels, floor.levels, strict=True):
            yield (
                f"| {system.name} | {level.senders} | {len(level.samples)} | {level.throughput:.1f} "
                f"| {_ms(level.percentile(50))} | {_ms(level.percentile(95))} | {_ms(level.percentile(99))} "
                f"| {level.errors} | {_ratio(level.throughput, base.throughput)} "
                f"| {_ratio(level.percentile(50), base.percentile(50))} |"
            )
    if all(system.lengths for system in results):
        turns = len(results[0].lengths[0].samples)
        late = (max(1, turns - 10), turns)
        conversations = len(results[0].lengths)
        yield ""
        yield (
            f"| 系统（{conversations} 个会话，各 {turns} 轮） | 第 1–10 轮平均 ms "
            f"| 第 {late[0]}–{late[1]} 轮平均 ms | 比值 | 各会话的比值 |"
        )
        yield "|---|---|---|---|---|"
        for system in results:
            pooled = load.LevelResult(1, 0.0, [sample for one in system.lengths for sample in one.samples])
            early_ms, late_ms = pooled.mean_of_turns(1, 10), pooled.mean_of_turns(*late)
            each = " / ".join(_ratio(one.mean_of_turns(*late), one.mean_of_turns(1, 10)) for one in system.lengths)
            yield f"| {system.name} | {early_ms:.1f} | {late_ms:.1f} | {_ratio(late_ms, early_ms)} | {each} |"
    yield ""
    yield "启动到可用：" + "，".join(f"{s.name} {s.startup_s:.0f} 秒" for s in results)


def _parse_levels(raw: str) -> tuple[tuple[int, int], ...]:
    levels = []
    for part in raw.split(","):
        senders, _, turns = part.partition("x")
        levels.append((int(senders), int(turns)))
    return tuple(levels)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench", description="就业帮扶助手性能测试")
    parser.add_argument(
        "--levels",
        type=_parse_levels,
        default=DEFAULT_LEVELS,
        help="并发发送者数 x 每人轮数，逗号分隔（默认 1x40,10x20,50x10）",
    )
    parser.add_argument("--length", type=int, default=LENGTH_TURNS, help="长会话的轮数（0 表示不测）")
    parser.add_argument(
        "--workers",
        type=lambda raw: tuple(int(n) for n in raw.split(",")),
        default=(1, 2),
        help="助手的 Sanic worker 数，逗号分隔，逐个测量（默认 1,2；多于 1 个时用 REDIS_URL 的原子锁存储）",
    )
    parser.add_argument("--rounds", type=int, default=200, help="知识库进程内调用次数")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        systems: list[tuple[str, Callable[[], AbstractContextManager[tuple[str, float, int]]]]] = [
            ("floor（裸 Rasa）", lambda: servers.floor(workdir))
        ]
        for workers in args.workers:
            if workers > 1 and not servers.shares_conversations():
                print(f"跳过 {workers} 个 worker：endpoints.yml 没有共享的 tracker_store，各 worker 的会话互不可见")
                continue
            env = servers.worker_env(workers)
            systems.append((f"就业帮扶助手（{workers} 个 worker）", functools.partial(servers.assistant, workdir, env)))
        try:
            results = measure(systems, args.levels, args.length)
        except servers.BenchError as error:
            print(f"错误：{error}", file=sys.stderr)
            return 1
    load_after = os.getloadavg()

    print()
    print(f"闭环 REST 负载（{os.cpu_count()} 核；测量前后 1 分钟平均负载 {load_before[0]:.1f} / {load_after[0]:.1f}）")
    for line in report(results):
        print(line)
    print()
    print(f"知识库（进程内，各 {args.rounds} 次）")
    print("| 项目 | 中位数 ms | p95 ms | 最大 ms |")
    print("|---|---|---|---|")
    for label, samples in kb.bench_in_process(args.rounds):
        ordered = sorted(samples)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
        print(f"| {label} | {ordered[len(ordered) // 2]:.2f} | {p95:.2f} | {ordered[-1]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
