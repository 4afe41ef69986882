"""``StatelessComponent``: the base of the pipeline components that keep no state between messages."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class StatelessComponent(GraphComponent):
    """A component with no options and nothing to persist: created (and loaded) without arguments."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StatelessComponent:
        """Creates the component; it has no state, so nothing is persisted or loaded."""
        return cls()

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options."""
        return {}
