"""The action server, closed by default: ``python -m bot.action_server``.

It runs the rasa-sdk executor with the project's actions, but unlike ``rasa run actions``

- it binds ``ACTIONS_HOST`` (127.0.0.1 by default), never every interface;
- every route except ``/health`` demands the shared secret ``ACTIONS_TOKEN`` in the ``X-Actions-Token`` header,
  which Rasa sends from ``endpoints.yml``; a call without it gets 401 and runs nothing;
- ``/health`` says only that the server is up;
- error replies are fixed texts: they never echo the request body, the tracker or an exception message.
"""

from __future__ import annotations

import hmac
import json
import logging
import zlib
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import crypto
from bot import settings as settings_mod
from bot.privacy import install_log_masking

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Actions-Token"
OPEN_PATHS = frozenset({"/health"})
MAX_BODY_BYTES = 2 * 1024 * 1024


class ActionServerError(Exception):
    """The action server cannot start with the given settings."""


def _authorised(request: Request, token: str) -> bool:
    offered = request.headers.get(TOKEN_HEADER, "")
    return hmac.compare_digest(offered.encode("utf-8", "surrogatepass"), token.encode("utf-8"))


def _decode_call(request: Request) -> dict[str, Any] | None:
    body = request.body
    if request.headers.get("Content-Encoding") == "deflate":
        decompressor = zlib.decompressobj()
        body = decompressor.decompress(body, MAX_BODY_BYTES)
        if decompressor.unconsumed_tail:
            return None
    try:
        call = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return call if isinstance(call, dict) else None


def create_app(token: str, actions_package: str = "actions") -> Sanic:
    """The Sanic app serving ``actions_package`` to callers that present ``token``.

    Raises:
        ActionServerError: when ``token`` is empty (a server without a secret is never started).
    """
    if not token:
        raise ActionServerError("错误：没有设置 ACTIONS_TOKEN，动作服务器不会在没有共享密钥的情况下启动。")
    app = Sanic("jiuye_actions", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    executor = ActionExecutor()
    executor.register_package(actions_package)

    @app.on_request
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or _authorised(request, token):
            return None
        logger.warning("动作服务器拒绝了一个未带有效共享密钥的请求：%s %s", request.method, request.path)
        return response.json({"error": "unauthorized"}, status=401)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        call = _decode_call(request)
        if call is None:
            return response.json({"error": "invalid request"}, status=400)
        try:
            result = await executor.run(call)
        except ActionExecutionRejection as exc:
            logger.debug("动作 %s 拒绝执行", exc.action_name)
            return response.json({"error": "action rejected", "action_name": exc.action_name}, status=400)
        except ActionNotFoundException as exc:
            logger.error("未知的动作 %s", exc.action_name)
            return response.json({"error": "action not found"}, status=404)
        return response.json(result, status=200)

    @app.get("/actions")
    async def list_actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> HTTPResponse:
        if isinstance(exc, SanicException) and exc.status_code < 500:
            return response.json({"error": "bad request"}, status=exc.status_code)
        # The traceback goes through the masking filter; the reply carries nothing of the request or the error.
        logger.error("动作服务器处理 %s 时出错", request.path, exc_info=exc)
        return response.json({"error": "internal error"}, status=500)

    return app


def main() -> int:
    """Serve on ``ACTIONS_HOST:ACTIONS_PORT`` until stopped."""
    from rasa_sdk import utils as sdk_utils

    cfg = settings_mod.load()
    sdk_utils.configure_colored_logging("INFO")
    install_log_masking()
    try:
        crypto.from_settings(cfg)  # refuse to start rather than fail on the first personal-data call
        app = create_app(cfg.actions_token)
    except (ActionServerError, crypto.CryptoError) as exc:
        print(str(exc), flush=True)
        return 2
    logger.info("动作服务器在 http://%s:%s 上运行（需要共享密钥）", cfg.actions_host, cfg.actions_port)
    app.run(cfg.actions_host, cfg.actions_port, access_log=False, workers=sdk_utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
