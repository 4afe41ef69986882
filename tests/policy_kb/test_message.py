"""Filler and voice-recognition noise out; several questions split apart."""

from __future__ import annotations

import pytest

from policy_kb.message import split_questions, strip_filler


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("喂喂能听见不俺想问那个公益岗一次签几年啊", "俺想问公益岗一次签几年啊"),
        ("嗯那个就是说 以工代训一个月给多少钱啊", "以工代训一个月给多少钱啊"),
        ("喂 喂 你好 那个啥 俺问一下", "你好 俺问一下"),
        ("坐席记录：来电人在费县", "来电人在费县"),
    ],
)
def test_strip_filler(text: str, expected: str) -> None:
    assert strip_filler(text) == expected


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("公益岗签几年？劳务输出每人补多少？", 2),
        ("想问问公益岗合同一次签几年，还有点对点专车怎么报名", 2),
        ("我想问两个事：一是劳务输出补贴每人多少钱，二是要满足什么条件", 3),
        ("以工代训一个月给多少钱", 1),
    ],
)
def test_split_questions(text: str, count: int) -> None:
    assert len(split_questions(text)) == count
