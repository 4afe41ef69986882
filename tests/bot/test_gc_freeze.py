"""Loading the model freezes the worker's objects for the garbage collector (bot.rasa_runtime.gc_freeze)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.rasa_runtime import gc_freeze
from bot.settings import PROJECT_ROOT

LOAD = """
import asyncio, gc, sys
from rasa.core import run
from rasa.core.utils import AvailableEndpoints
from sanic import Sanic
from bot.rasa_runtime import gc_freeze
if sys.argv[2] == "patched":
    assert gc_freeze.apply()
app = Sanic("gc_freeze_test")
loop = asyncio.new_event_loop()
agent = loop.run_until_complete(run.load_agent_on_start(sys.argv[1], AvailableEndpoints(), None, app, loop))
print("ready", agent.is_ready(), app.ctx.agent is agent, "frozen", gc.get_freeze_count())
"""


def _load(model: Path, mode: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", LOAD, str(model), mode],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_written_for_the_installed_rasa():
    """Fails after a Rasa upgrade (version, the loader's source or how the server registers it): review then."""
    import rasa

    assert rasa.__version__ == gc_freeze.PINNED_RASA
    assert gc_freeze.matches_installed_rasa()


def test_loading_the_model_freezes_what_the_worker_holds(trained_model: Path):
    patched = _load(trained_model, "patched").split()
    assert patched[:3] == ["ready", "True", "True"]
    assert int(patched[-1]) > 100_000  # the model, TensorFlow and the domain
    plain = _load(trained_model, "plain").split()
    assert plain[:3] == ["ready", "True", "True"] and plain[-1] == "0"


def test_changed_rasa_code_is_left_alone(monkeypatch: pytest.MonkeyPatch):
    """The same version with other code behind either function (a local patch, a rebuild) is not patched."""
    from rasa.core import run

    monkeypatch.setattr(gc_freeze, "_original", None)
    monkeypatch.setattr(gc_freeze, "ORIGINAL_SHA256", (gc_freeze.ORIGINAL_SHA256[0], "0" * 64))
    loader = run.load_agent_on_start
    assert not gc_freeze.apply()
    assert run.load_agent_on_start is loader and not gc_freeze.is_applied()
