"""Reading yes/no, local/away and corrections from what people type."""

from __future__ import annotations

import pytest

from bot.form_values import Correction, parse_correction, parse_work_location, parse_yes_no
from bot.replies import registration_summary
from bot.validation import ValidationError

# Replies people give to "要坐“点对点”专车吗？" / "想参加技能培训吗？", as typed.
YES_NO_REPLIES = [
    ("要", True), ("需要的", True), ("好的，坐", True), ("ok", True), ("OK", True), ("是的", True),
    ("嗯嗯", True), ("对", True), ("可以", True), ("行啊", True), ("愿意参加", True), ("想去", True),
    ("中", True), ("当然要", True), ("必须的", True), ("肯定坐", True), ("确认", True),
    ("没问题", True), ("没错", True), ("好的没问题", True), ("不错，要", True), ("没有问题", True),
    ("没毛病", True), ("没问题，坐专车", True), ("要，没错", True), ("嗯，没问题的", True),
    ("不用", False), ("不需要", False), ("没有", False), ("不要了", False), ("不想参加", False),
    ("不坐", False), ("别了", False), ("算了", False), ("甭了", False), ("免了吧", False), ("no", False),
    ("好的，不用了", False), ("没问题，但是不坐专车", False), ("不错，不过不需要", False), ("我自己去，不坐", False),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), YES_NO_REPLIES)
def test_yes_no(text: str, expected: bool) -> None:
    assert parse_yes_no(text, "要坐专车吗？") is expected


def test_the_yes_no_table_is_large_and_balanced() -> None:
    answers = [expected for _, expected in YES_NO_REPLIES]
    assert len(answers) >= 30 and answers.count(True) >= 10 and answers.count(False) >= 10


@pytest.mark.parametrize("text", ["", "张三", "3月5日", "x" * 100, "不知道", "都行", "我再考虑一下"])
def test_yes_no_reasks_with_the_question(text: str) -> None:
    with pytest.raises(ValidationError, match="要坐专车吗"):
        parse_yes_no(text, "要坐专车吗？")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("本地", "local"), ("就在家附近干", "local"), ("不出去", "local"), ("去外地", "away"), ("外出打工", "away"),
     ("去江苏", "away")],
)  # fmt: skip
def test_work_location(text: str, expected: str) -> None:
    assert parse_work_location(text) == expected


def test_work_location_unknown_reasks() -> None:
    with pytest.raises(ValidationError, match="本地"):
        parse_work_location("随便")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机号改成13812345678", Correction("phone", "13812345678")),
        ("电话错了，应该是13812345678", Correction("phone", "13812345678")),
        ("名字错了，应该是王秀英", Correction("person_name", "王秀英")),
        ("县区是沂南", Correction("county", "沂南")),
        ("想干的工作改成电工", Correction("work_wanted", "电工")),
        ("不坐专车了", Correction("needs_transport", "不坐专车了")),
        ("身份证号：371302199003154510", Correction("id_number", "371302199003154510")),
    ],
)
def test_corrections(text: str, expected: Correction) -> None:
    assert parse_correction(text) == expected


@pytest.mark.parametrize("text", ["确认", "好的", "", "x" * 300])
def test_not_a_correction(text: str) -> None:
    assert parse_correction(text) is None


def test_summary_masks_id_and_phone() -> None:
    text = registration_summary(
        {"person_name": "张测试", "id_number": "371302199003154510", "phone": "13812345678", "county": "沂南县",
         "person_category": "poverty_alleviated", "work_wanted": "电工", "work_location": "away",
         "needs_transport": True, "wants_training": False}
    )  # fmt: skip
    assert "371302199003154510" not in text and "13812345678" not in text
    assert "138****5678" in text and "脱贫享受政策人口" in text and "外出务工" in text
    assert "“点对点”专车：需要" in text and "技能培训：不需要" in text


@pytest.mark.parametrize("text", ["近点", "在家跟前", "离家近的", "近一点就行", "不想出远门"])
def test_colloquial_local_answers(text: str) -> None:
    from bot.form_values import parse_work_location

    assert parse_work_location(text) == "local"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("县区改成河东区 想找的工作就写保洁", [("county", "河东区"), ("work_wanted", "保洁")]),
        ("手机号改成13912340000", [("phone", "13912340000")]),
        ("县区改成河东区，想找的工作改成保洁，手机号改成13912340000",
         [("county", "河东区"), ("work_wanted", "保洁"), ("phone", "13912340000")]),
    ],
)  # fmt: skip
def test_several_corrections_in_one_message(text: str, expected: list[tuple[str, str]]) -> None:
    from bot.form_values import parse_corrections

    assert [(c.slot, c.value) for c in parse_corrections(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("脱贫户。哎不对 俺户口前年迁到河东区了", ("脱贫户", "俺户口前年迁到河东区了")),
        ("兰山，哎不对，是河东", ("兰山", "是河东")),
        ("不对不对 手机号是13912345678", ("", "手机号是13912345678")),
        ("进厂 说错了 名字叫王五", ("进厂", "名字叫王五")),
        ("脱贫户", None),
        ("不对", None),  # a bare no corrects nothing
        ("哎呀不对了", None),
    ],
)
def test_a_correction_inside_an_answer_is_split_off(text: str, expected: tuple[str, str] | None) -> None:
    from bot.form_values import split_self_correction

    assert split_self_correction(text) == expected


def test_the_notice_names_the_changed_field_and_masks_the_phone() -> None:
    from bot.replies import correction_notice

    assert correction_notice({"county": "河东区"}) == "好的，已把所在县区改为河东区。"
    notice = correction_notice({"phone": "13912345678", "person_category": "poverty_alleviated"})
    assert "13912345678" not in notice and "手机号改为139****5678" in notice and "人员类别改为" in notice
