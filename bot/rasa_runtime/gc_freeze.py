"""Freeze the objects a Rasa worker holds once its model is loaded, so the garbage collector stops rescanning them.

A loaded Rasa 3.6 process holds about 600 000 Python objects (TensorFlow, the model graph, the domain). They
live as long as the process, yet every full (oldest-generation) collection walks all of them: under load a
worker ran one every few seconds, each stopping its event loop for 150–300 ms — every conversation that worker
was serving waited. After the model is loaded, ``gc.collect()`` then ``gc.freeze()`` moves what exists to the
permanent generation (the use the Python documentation gives for ``gc.freeze``); collections then only look at
objects made afterwards. Objects are still freed as before when their last reference goes.

Rasa 3.6.21 loads the model in ``rasa.core.run.load_agent_on_start``, which ``serve_application`` registers by
name as a ``before_server_start`` listener, in every Sanic worker. That name is replaced by a wrapper that runs
Rasa's function and then freezes. Pinned like the other fixes: applied only to ``PINNED_RASA`` whose two
functions have the sources ``ORIGINAL_SHA256``; otherwise Rasa is left as it is, with a warning.
"""

from __future__ import annotations

import functools
import gc
import logging
from typing import Any

from bot.rasa_runtime import pinned

logger = logging.getLogger(__name__)

PINNED_RASA = "3.6.21"
# sha256 of inspect.getsource(...) in rasa 3.6.21: load_agent_on_start, then serve_application (which registers it).
ORIGINAL_SHA256 = (
    "b23e12447febeb64dfe0e78f545c37affae1059858280485b1094707a2704214",
    "fa80588d9e008b67948290d1da64c97fbab5a1a8069b880c18cc3c8399ef9c2b",
)

_original: Any = None


def matches_installed_rasa() -> bool:
    """Whether the installed Rasa is the version and the code this patch was written for."""
    import rasa
    from rasa.core import run

    functions = (_original or run.load_agent_on_start, run.serve_application)
    return pinned.matches(rasa.__version__, PINNED_RASA, functions, ORIGINAL_SHA256)


def freeze() -> int:
    """Collect, then move every object that exists now to the permanent generation; returns how many there are."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def apply() -> bool:
    """Replace ``rasa.core.run.load_agent_on_start``; returns whether it was replaced."""
    global _original
    import rasa
    from rasa.core import run

    if _original is not None:
        return True
    if not matches_installed_rasa():
        return pinned.refused("rasa", rasa.__version__, PINNED_RASA, __name__, "loaded models are not frozen")
    rasa_load = run.load_agent_on_start

    @functools.wraps(rasa_load)
    async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
        agent = await rasa_load(*args, **kwargs)
        logger.info("Froze %d objects of the loaded model for the garbage collector", freeze())
        return agent

    _original = rasa_load
    run.load_agent_on_start = load_agent_on_start
    return True


def is_applied() -> bool:
    """Whether :func:`apply` replaced the function in this process."""
    return _original is not None
