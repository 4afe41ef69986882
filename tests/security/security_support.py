"""Helpers of the attack suite (the fixtures in ``conftest.py`` build on them)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ACTIONS_SECRET = "attack-suite-shared-secret-0123456789"


@dataclass
class ActionServer:
    """A running ``python -m bot.action_server``."""

    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        """Everything the server logged so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class SecondAddress:
    """A network namespace linked to this host by a veth pair: a client that is not on loopback."""

    namespace: str
    host_address: str
    peer_address: str

    def connect(self, address: str, port: int) -> str:
        """Try a TCP connection from inside the namespace: ``"connected"`` or the error's name."""
        code = (
            "import socket\n"
            "s=socket.socket(); s.settimeout(3)\n"
            "try:\n"
            f"    s.connect(({address!r}, {port})); print('connected')\n"
            "except OSError as e:\n"
            "    print(type(e).__name__)\n"
        )
        result = subprocess.run(
            ["ip", "netns", "exec", self.namespace, sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout.strip() or result.stderr.strip()
