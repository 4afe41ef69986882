"""The faults of the cluster benchmark: processes found by their port, killed, PostgreSQL restarted, memory read."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def pids_of(needle: str, port: int) -> list[int]:
    """Pids of our processes whose command line contains ``needle`` and whose port is ``port``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if needle not in cmdline:
            continue
        if f"--port {port}" in cmdline or f"ACTIONS_PORT={port}".encode() in environ:
            found.append(int(proc.name))
    return found


def restart_postgresql() -> str:
    """Restart the machine's PostgreSQL cluster (pg_ctlcluster), as an upgrade or a failover would."""
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    for version in versions:
        result = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode == 0:
            return f"PostgreSQL {version} 已重启"
    return "PostgreSQL 未能重启"


def inject_faults(base_port: int, seconds: float, log: list[str], t0: float) -> None:
    """Kill an action server, then a Rasa process, then restart PostgreSQL, spread over the run."""
    steps = (
        (0.25, "杀掉动作服务器 actions1", lambda: kill(pids_of("bot.action_server", base_port + 101))),
        (0.45, "杀掉 Rasa 进程 rasa1", lambda: kill(pids_of("bot.rasa_server", base_port + 1))),
        (0.65, "重启 PostgreSQL", restart_postgresql),
    )
    for share, what, act in steps:
        time.sleep(max(0.0, t0 + share * seconds - time.monotonic()))
        result = act()
        log.append(f"{time.monotonic() - t0:5.0f} s  {what}：{result}")


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


def memory_line(base_port: int) -> str:
    """Resident memory of each Rasa process and action server now."""
    rasa = [_rss_mb(pids_of("bot.rasa_server", base_port + n)) for n in (1, 2)]
    actions = [_rss_mb(pids_of("bot.action_server", base_port + 100 + n)) for n in (1, 2)]
    return (
        "  内存（RSS）：Rasa 进程 "
        + "、".join(f"{m:.0f} MB" for m in rasa)
        + "；动作服务器 "
        + "、".join(f"{m:.0f} MB" for m in actions)
    )


def kill(pids: list[int]) -> str:
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return f"进程 {pids}" if pids else "没有找到进程"
