"""``StatelessComponent``: the base of the pipeline components that keep no state between messages."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


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


class PerMessageComponent(StatelessComponent):
    """A stateless component that changes each message in place, at inference and (unless told) in training."""

    # Whether training examples go through :meth:`apply` too (the NLU must learn from what it will see).
    applies_in_training = True

    def apply(self, message: Message) -> None:
        """Change ``message`` in place."""
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        """Apply the component to parsed messages (inference); returns the same messages."""
        for message in messages:
            self.apply(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Apply the component to the training examples when :attr:`applies_in_training`; returns the same data."""
        if self.applies_in_training:
            for example in training_data.training_examples:
                self.apply(example)
        return training_data
