"""Closed-loop REST load: each sender sends its next message as soon as the previous reply arrived.

A sender follows one script (greetings, policy questions, a “点对点” sign-up, thanks) and answers the sign-up
form's questions from what the bot asked, so the same script drives the assistant and the floor bot whatever
they already know about the sender (e.g. an identity verified earlier in the conversation).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

import aiohttp

# The conversation every sender has, in a loop.
SCRIPT = (
    "你好",
    "公益岗合同签几年",
    "帮扶车间招脱贫户有补贴吗",
    "我要报名点对点专车",
    "人力资源公司组织外出务工给补多少",
    "这个政策还有效吗",
    "谢谢",
)
# Answers to the sign-up form's questions, keyed by a word of the question (demo person 测试李强).
FORM_ANSWERS = (
    ("身份证", "371321199207081535"),
    ("手机", "0002"),
    ("去哪里", "江苏昆山"),
    ("哪天", "下周一"),
    ("几个人", "2"),
)
MAX_FORM_ANSWERS = 8
REQUEST_TIMEOUT_S = 30.0


@dataclass
class Sample:
    """One turn as the sender saw it."""

    index: int  # position of the turn in its sender's conversation, from 0
    latency_ms: float
    ok: bool


@dataclass
class LevelResult:
    """What one load level measured."""

    senders: int
    wall_s: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        """Latencies of the successful turns, in ms."""
        return [s.latency_ms for s in self.samples if s.ok]

    @property
    def errors(self) -> int:
        """Turns that failed (HTTP status other than 200, timeout, connection error)."""
        return sum(not s.ok for s in self.samples)

    @property
    def throughput(self) -> float:
        """Successful turns per second of wall time."""
        return len(self.latencies) / self.wall_s if self.wall_s else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the successful latencies (``q`` in 0–100)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1]

    def mean_of_turns(self, first: int, last: int) -> float:
        """Mean latency of turns ``first``..``last`` (1-based, inclusive)."""
        picked = [s.latency_ms for s in self.samples if s.ok and first - 1 <= s.index <= last - 1]
        return sum(picked) / len(picked) if picked else math.nan


def next_message(script_pos: int, last_reply: str, form_answers_in_row: int) -> tuple[str, int, bool]:
    """The sender's next message: a form answer when the bot asked for one, else the script's next line.

    Returns the message, the new script position and whether it was a form answer.
    """
    if form_answers_in_row < MAX_FORM_ANSWERS:
        for keyword, answer in FORM_ANSWERS:
            if keyword in last_reply:
                return answer, script_pos, True
    return SCRIPT[script_pos % len(SCRIPT)], script_pos + 1, False


async def _sender(session: aiohttp.ClientSession, url: str, sender_id: str, turns: int, samples: list[Sample]) -> None:
    script_pos, last_reply, in_row = 0, "", 0
    for index in range(turns):
        message, script_pos, was_answer = next_message(script_pos, last_reply, in_row)
        in_row = in_row + 1 if was_answer else 0
        start = time.perf_counter()
        ok = False
        try:
            async with session.post(url, json={"sender": sender_id, "message": message}) as response:
                body = await response.json(content_type=None) if response.status == 200 else None
                ok = response.status == 200 and isinstance(body, list)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            body = None
        samples.append(Sample(index, (time.perf_counter() - start) * 1000, ok))
        last_reply = "\n".join(str(m.get("text", "")) for m in body or [] if isinstance(m, dict))


async def _run_level(url: str, senders: int, turns: int, prefix: str) -> LevelResult:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=senders)
    samples: list[Sample] = []
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(_sender(session, url, f"{prefix}-{i}", turns, samples) for i in range(senders)))
        wall = time.perf_counter() - start
    return LevelResult(senders, wall, samples)


def run_level(url: str, senders: int, turns: int, prefix: str) -> LevelResult:
    """``senders`` concurrent conversations of ``turns`` turns each against the REST webhook at ``url``."""
    return asyncio.run(_run_level(url, senders, turns, prefix))
