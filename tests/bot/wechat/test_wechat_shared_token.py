"""The access token shared through the real Redis: one fetch for several processes, one refetch on rejection."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.channels.wechat.api import WeChatApiClient
from bot.channels.wechat.token_cache import RedisTokenCache


def _replica(wechat_api, redis_url: str, prefix: str) -> WeChatApiClient:
    """One Rasa process's client: its own HTTP session and in-process state, the shared Redis cache."""
    cache = RedisTokenCache.from_url(redis_url, "wxappid", prefix=prefix)
    return WeChatApiClient(wechat_api.url, "wxappid", "secret", timeout=5, token_cache=cache)


def test_eight_replicas_sending_at_once_fetch_one_token(wechat_api, redis_url, redis_prefix) -> None:
    replicas = [_replica(wechat_api, redis_url, redis_prefix) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda pair: pair[1].send_text("oA", f"第{pair[0]}条"), enumerate(replicas)))
    assert len(wechat_api.recorded("/cgi-bin/token")) == 1
    sends = wechat_api.recorded("/cgi-bin/message/custom/send")
    assert len(sends) == 8 and {s["query"]["access_token"] for s in sends} == {"token-1"}


def test_a_rejected_token_is_refetched_by_one_replica_only(wechat_api, redis_url, redis_prefix) -> None:
    replicas = [_replica(wechat_api, redis_url, redis_prefix) for _ in range(6)]
    replicas[0].send_text("oA", "先取得令牌")
    wechat_api.rejected_tokens.add("token-1")  # WeChat invalidated it (e.g. a fetch elsewhere)
    wechat_api.rejected_errcode = 42001
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda client: client.send_text("oA", "令牌过期后"), replicas))
    assert len(wechat_api.recorded("/cgi-bin/token")) == 2  # the first fetch and exactly one refetch
    assert wechat_api.sent_texts().count("令牌过期后") == 6


def test_redis_unreachable_falls_back_to_a_token_of_this_process(wechat_api) -> None:
    cache = RedisTokenCache.from_url("redis://127.0.0.1:9/0", "wxappid", timeout=0.3)
    client = WeChatApiClient(wechat_api.url, "wxappid", "secret", timeout=5, token_cache=cache)
    client.send_text("oA", "一")
    client.send_text("oA", "二")
    assert wechat_api.sent_texts() == ["一", "二"]
    assert len(wechat_api.recorded("/cgi-bin/token")) == 1  # cached in the process meanwhile
