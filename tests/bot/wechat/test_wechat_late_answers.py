"""A late answer promised by a process that dies is given by another one (two servers sharing Redis)."""

from __future__ import annotations

import threading
import time

from wechat_peer import FakeBot, Peer, SanicServer, text_xml

from bot import settings as settings_mod
from bot.channels.wechat.channel import WeChatInput

from .conftest import channel_env


def test_an_answer_promised_by_a_process_that_died_is_sent_by_another(clock, wechat_api, redis_url, redis_prefix):
    settings = settings_mod.load(channel_env(wechat_api.url, REDIS_URL=redis_url))
    stuck = FakeBot()
    stuck.gate = threading.Event()  # this process never finishes the turn: it dies first
    dying = SanicServer(
        WeChatInput(settings, clock=clock, reply_deadline=0.3, key_prefix=redis_prefix).blueprint(stuck)
    ).start()
    healthy = FakeBot()
    survivor = SanicServer(
        WeChatInput(settings, clock=clock, reply_deadline=0.3, key_prefix=redis_prefix).blueprint(healthy)
    ).start()
    try:
        peer = Peer(dying.url, clock)
        response = peer.send(text_xml("慢慢来", msg_id=4242))
        assert (response.status_code, response.text) == (200, "success")  # promised by customer-service message
        assert stuck.started.wait(5)
        survivor_peer = Peer(survivor.url, clock)
        survivor_peer.send(text_xml("另一个用户", msg_id=4243, openid="o_other_user_0000000000"))  # wakes it up
        dying.stop()  # the process dies with the answer still owed
        sent = wechat_api.wait_for_sends(1, timeout=30)
        assert "收到：慢慢来" in sent and sent.count("收到：慢慢来") == 1
        assert [m.text for m in healthy.calls].count("慢慢来") == 1  # the turn was run again, once
        time.sleep(3)  # and nobody sends it a second time
        assert wechat_api.sent_texts().count("收到：慢慢来") == 1
    finally:
        stuck.gate.set()
        dying.stop()
        survivor.stop()
