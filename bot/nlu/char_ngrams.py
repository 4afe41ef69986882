"""``SentenceCharNgramFeaturizer``: character n-grams of the whole message, whatever jieba made of it.

The count-vector featurizers see the text through jieba's tokens, so a typo (一工代训, 稳港) or an unusual
phrasing that jieba cuts differently changes every feature of the words around it. This featurizer adds one
sentence-level bag of character n-grams of the normalised text with the spaces taken out, so 报个名 and 报名
share 报 and 名 and 以工代训 shares 工代训 with its misspelling however they were segmented.

The vocabulary is the n-grams of the training examples; it is persisted as JSON with the model.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VOCABULARY_FILE = "vocabulary.json"
_SPACE = re.compile(r"\s+")


def char_ngrams(text: str, min_n: int, max_n: int) -> set[str]:
    """The distinct character n-grams of ``text`` (spaces removed, Latin letters lower-cased).

    >>> sorted(char_ngrams("报 个名", 2, 2))
    ['个名', '报个']
    """
    compact = _SPACE.sub("", text).lower()
    return {compact[i : i + n] for n in range(min_n, max_n + 1) for i in range(len(compact) - n + 1)}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class SentenceCharNgramFeaturizer(SparseFeaturizer, GraphComponent):
    """Adds a binary bag of character n-grams of the message text as sentence features."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``min_ngram``/``max_ngram``: n-gram lengths; ``min_count``: examples an n-gram must occur in."""
        return {**SparseFeaturizer.get_default_config(), "min_ngram": 1, "max_ngram": 3, "min_count": 1}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Rejects n-gram bounds that select nothing.

        Raises:
            InvalidConfigException: the bounds are not 1 <= min_ngram <= max_ngram, or min_count < 1.
        """
        low, high, count = config["min_ngram"], config["max_ngram"], config["min_count"]
        if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
            raise InvalidConfigException(f"SentenceCharNgramFeaturizer: 1 <= min_ngram <= max_ngram, got {low}, {high}")
        if not (isinstance(count, int) and count >= 1):
            raise InvalidConfigException(f"SentenceCharNgramFeaturizer: min_count must be >= 1, got {count}")

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabulary: dict[str, int] | None = None,
    ) -> None:
        """Creates the featurizer, with the vocabulary of a trained model if there is one."""
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary: dict[str, int] = vocabulary or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceCharNgramFeaturizer:
        """Creates an untrained featurizer."""
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceCharNgramFeaturizer:
        """Loads the vocabulary persisted by :meth:`train`."""
        with model_storage.read_from(resource) as directory:
            vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, execution_context, vocabulary)

    def _ngrams(self, text: str) -> set[str]:
        return char_ngrams(text, self._config["min_ngram"], self._config["max_ngram"])

    def train(self, training_data: TrainingData) -> Resource:
        """Builds the vocabulary from the training examples' text and persists it.

        Args:
            training_data: the NLU training data (already normalised by the pipeline).

        Returns:
            The resource the vocabulary was written to.
        """
        counts: dict[str, int] = {}
        for example in training_data.training_examples:
            text = example.get(TEXT)
            if isinstance(text, str):
                for gram in self._ngrams(text):
                    counts[gram] = counts.get(gram, 0) + 1
        kept = sorted(gram for gram, n in counts.items() if n >= self._config["min_count"])
        self.vocabulary = {gram: index for index, gram in enumerate(kept)}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def _features(self, text: str) -> scipy.sparse.coo_matrix:
        columns = sorted(self.vocabulary[g] for g in self._ngrams(text) if g in self.vocabulary)
        data = np.ones(len(columns), dtype=np.float32)
        rows = np.zeros(len(columns), dtype=np.int32)
        return scipy.sparse.coo_matrix((data, (rows, columns)), shape=(1, len(self.vocabulary)))

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and text and self.vocabulary:
            self.add_features_to_message(None, self._features(text), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the features to every training example with text."""
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the features to incoming messages."""
        for message in messages:
            self._featurize(message)
        return messages
