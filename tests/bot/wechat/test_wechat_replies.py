"""Splitting at the byte limit, numbered choices, numeric replies, XML parsing and building."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy import parse_message

from bot.channels.wechat.errors import MalformedXml
from bot.channels.wechat.messages import build_text_reply, parse_xml, to_message
from bot.channels.wechat.replies import choose, format_answer, split_text, utf8_len


def test_short_text_is_one_part():
    assert split_text("您好！请问有什么可以帮您？") == ["您好！请问有什么可以帮您？"]


def test_blank_text_has_no_parts():
    assert split_text("  \n ") == []


def test_split_at_sentence_ends_within_the_limit():
    text = "第一句话。第二句话！第三句话？第四句\n第五句。"
    parts = split_text(text, limit=30)
    assert all(utf8_len(p) <= 30 for p in parts)
    assert parts == ["第一句话。第二句话！", "第三句话？第四句", "第五句。"]


def test_overlong_sentence_is_cut_on_character_boundaries():
    text = "长" * 100  # 300 bytes, no sentence end
    parts = split_text(text, limit=64)
    assert all(utf8_len(p) <= 64 for p in parts)
    assert "".join(parts) == text


@given(
    st.lists(
        st.text(alphabet="政策补贴就业abc 1", min_size=1, max_size=80).map(lambda s: s + "。"),
        min_size=1,
        max_size=60,
    )
)
@settings(max_examples=100, deadline=None)
def test_split_never_exceeds_the_limit_and_keeps_the_words(sentences):
    text = "".join(sentences)
    parts = split_text(text, limit=120)
    assert all(utf8_len(p) <= 120 for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_format_answer_joins_messages_and_numbers_buttons_across_them():
    answer = format_answer(
        [
            {"text": "请选择类别："},
            {"text": "您属于哪一类？", "buttons": [{"title": "脱贫人口", "payload": '/inform{"c": 1}'}]},
            {"buttons": [{"title": "边缘易致贫人口", "payload": '/inform{"c": 2}'}]},
            {"custom": {"ignored": True}},
        ]
    )
    assert answer.parts == ["请选择类别：\n\n您属于哪一类？\n回复 1：脱贫人口\n\n回复 2：边缘易致贫人口"]
    assert [c.payload for c in answer.choices] == ['/inform{"c": 1}', '/inform{"c": 2}']


def test_format_answer_shows_image_links():
    assert format_answer([{"text": "见附件", "image": "https://example.org/a.png"}]).parts == [
        "见附件\nhttps://example.org/a.png"
    ]


def test_format_answer_of_nothing():
    answer = format_answer([])
    assert answer.parts == [] and answer.choices == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "/a"),
        ("１", "/a"),
        (" 2 ", "/b"),
        ("２", "/b"),
        ("3", None),
        ("0", None),
        ("一", None),
        ("1个", None),
    ],
)
def test_choose(text, expected):
    assert choose(text, ["/a", "/b"]) == expected


def test_choose_without_choices():
    assert choose("1", []) is None


def test_parse_xml_flat_fields():
    fields = parse_xml(b"<xml><A><![CDATA[x]]></A><B>2</B><Content><![CDATA[ \xe4\xbd\xa0 ]]></Content></xml>")
    assert fields == {"A": "x", "B": "2", "Content": " 你 "}


@pytest.mark.parametrize(
    "document",
    [
        b"<root/>",
        b"<xml>",
        b'<!DOCTYPE xml [<!ENTITY a "b">]><xml><A>&a;</A></xml>',
        b'<!DOCTYPE xml SYSTEM "http://127.0.0.1/x.dtd"><xml/>',
    ],
)
def test_parse_xml_refuses(document):
    with pytest.raises(MalformedXml):
        parse_xml(document)


@pytest.mark.parametrize(
    "fields",
    [
        {"FromUserName": "o", "CreateTime": "1", "MsgType": "text"},
        {"ToUserName": "g", "FromUserName": "o", "CreateTime": "x", "MsgType": "text"},
        {"ToUserName": "g", "FromUserName": "o", "CreateTime": "1", "MsgType": "text", "MsgId": "1e5"},
    ],
)
def test_to_message_refuses_incomplete_fields(fields):
    with pytest.raises(MalformedXml):
        to_message(fields)


def test_dedup_keys():
    base = {"ToUserName": "gh", "FromUserName": "oA", "CreateTime": "123"}
    assert to_message({**base, "MsgType": "text", "MsgId": "99"}).dedup_key == "msg:99"
    assert to_message({**base, "MsgType": "event", "Event": "CLICK"}).dedup_key == "evt:oA:123"


def test_text_reply_parses_with_wechatpy_even_with_cdata_end_inside():
    xml = build_text_reply("oUser", "gh_acc", 1714036504, "a]]>b<c>&d")
    reply = parse_message(xml)
    assert (reply.type, reply.target, reply.source, reply.content) == (
        "text",
        "oUser",
        "gh_acc",
        "a]]>b<c>&d",
    )
