"""``ChineseTextNormalizer``: the first component of the NLU pipeline.

It rewrites ``message.data["text"]`` with :func:`bot.nlu.text.normalize` before the tokenizer, so every later
component (jieba, the featurizers, DIET, the regex and lookup extractors) sees the normalised text, and it
keeps what the user typed under ``original_text`` with the character map under ``text_span_map``.
:class:`bot.nlu.span_restorer.OriginalTextRestorer`, at the end of the pipeline, puts the original text
back and maps entity spans onto it.

Training examples are normalised the same way; their annotated entities are moved onto the normalised text,
and an entity whose value is just the annotated text gets the normalised text as value (so a full-width ID
number in the data is learnt as half-width, like the regex extractor will report it).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stateless import PerMessageComponent
from bot.nlu.text import normalize

ORIGINAL_TEXT = "original_text"
SPAN_MAP = "text_span_map"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class ChineseTextNormalizer(PerMessageComponent):
    """Normalises the text of messages before tokenisation (see the module docstring)."""

    @staticmethod
    def supported_languages() -> list[str] | None:
        """The normalisation is for Chinese text."""
        return ["zh"]

    def apply(self, message: Message) -> None:
        """Normalise the message (and, in training, move its entity annotations onto the normalised text)."""
        normalize_message(message)


def normalize_message(message: Message) -> None:
    """Normalise ``message``'s text in place, once; annotated entities follow the text.

    Messages without text (stories' intent-only or action turns) and messages already normalised are left as
    they are.
    """
    original = message.get(TEXT)
    if not isinstance(original, str) or not original or message.get(SPAN_MAP) is not None:
        return
    normalized = normalize(original)
    entities = []
    for entity in message.get(ENTITIES) or []:
        start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
        if start is None or end is None:
            entities.append(entity)
            continue
        new_start, new_end = normalized.to_normalized(start, end)
        moved = {**entity, ENTITY_ATTRIBUTE_START: new_start, ENTITY_ATTRIBUTE_END: new_end}
        if entity.get(ENTITY_ATTRIBUTE_VALUE) == original[start:end]:
            moved[ENTITY_ATTRIBUTE_VALUE] = normalized.text[new_start:new_end]
        entities.append(moved)
    if message.get(ENTITIES) is not None:
        message.set(ENTITIES, entities)
    message.set(ORIGINAL_TEXT, original)
    message.set(SPAN_MAP, normalized.to_dict())
    message.set(TEXT, normalized.text)
