"""Commands of the analytics data path: the ingest process, the tracker-store backfill, a snapshot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from bot import crypto
from bot import settings as settings_mod
from bot.analytics.broker import is_amqp, sql_broker_kwargs
from bot.analytics.case_figures import refresh_if_due
from bot.analytics.ingest import CHUNK_PAUSE_S, Ingestor, keyed_sender_hash
from bot.analytics.sources import AmqpSource, SqlBrokerSource, backfill
from bot.cases.sql_store import build_engine

logger = logging.getLogger("bot.analytics")


class AnalyticsError(Exception):
    """An error reported to the user as one Chinese line."""


def _settings() -> settings_mod.Settings:
    from bot.cli import prepare_environment

    env = dict(os.environ)
    prepare_environment(env)
    return settings_mod.load(env)


def _broker_engine(url: str) -> Engine:
    sql_broker_kwargs(url)  # creates the SQLite folder when missing
    return create_engine(url, future=True, connect_args={"timeout": 30} if url.startswith("sqlite") else {})


async def follow(cfg: settings_mod.Settings, *, once: bool = False) -> None:
    """Ingest from the configured broker every ``ANALYTICS_POLL_SECONDS`` until stopped (or once)."""
    engine = build_engine(cfg.case_db_url)
    ingestor = Ingestor(engine, keyed_sender_hash(crypto.from_settings(cfg)), pause_s=CHUNK_PAUSE_S)
    amqp = AmqpSource(cfg.event_broker_url, cfg.analytics_queue) if is_amqp(cfg.event_broker_url) else None
    sql = None if amqp else SqlBrokerSource(_broker_engine(cfg.event_broker_url))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            try:
                count = await amqp.drain(ingestor) if amqp else await asyncio.to_thread(sql.drain, ingestor)  # type: ignore[union-attr]
                if count:
                    logger.info("Analytics: ingested %d events", count)
                await asyncio.to_thread(
                    refresh_if_due, engine, cfg.today(), time.time(), cfg.analytics_case_refresh_seconds
                )
            except Exception:  # keep the process alive: the next round retries, nothing is lost
                logger.exception("Analytics: ingest round failed")
                if amqp:
                    await amqp.close()
            if once:
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=cfg.analytics_poll_seconds)
    finally:
        if amqp:
            await amqp.close()
        engine.dispose()


def run_backfill(cfg: settings_mod.Settings, url: str) -> str:
    """Backfill from the tracker store at ``url``; returns the line to print."""
    from bot.durable.tracker_store import EventCodec  # Rasa's SQL classes: only for this command

    cipher = crypto.from_settings(cfg)
    engine = build_engine(cfg.case_db_url)
    tracker = create_engine(url, future=True)
    try:
        total = backfill(Ingestor(engine, keyed_sender_hash(cipher)), tracker, reveal=EventCodec(cipher).reveal)
    except LookupError:
        raise AnalyticsError("错误：该数据库中没有 Rasa 对话记录表（events），请检查 --url。") from None
    finally:
        tracker.dispose()
        engine.dispose()
    return f"已从对话记录补录 {total} 个事件（重复运行不会重复计数）"


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot.analytics", description="主管看板的数据通道")
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="从事件代理读取对话事件写入统计表")
    ingest.add_argument("--follow", action="store_true", help="持续运行（python -m bot serve 启动时使用）")
    fill = sub.add_parser("backfill", help="从 Rasa 对话记录（SQL tracker store）补录")
    fill.add_argument("--url", help="tracker store 数据库地址（默认：TRACKER_DB_URL）")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        cfg = _settings()
        if args.command == "ingest":
            asyncio.run(follow(cfg, once=not args.follow))
        else:
            url = args.url or cfg.tracker_db_url
            print(run_backfill(cfg, url))
    except (AnalyticsError, settings_mod.SettingsError, crypto.CryptoError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0
