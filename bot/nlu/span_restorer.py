"""``OriginalTextRestorer``: the component after ``EntitySynonymMapper`` that undoes the text rewrite.

:class:`bot.nlu.normalizer.ChineseTextNormalizer` replaced ``text`` by its normalised form. This component
puts the user's text back into ``text``, keeps the normalised one as ``normalized_text``, and maps the
``start``/``end`` of every entity (and of the text tokens) from the normalised text onto the original, so a
span points at what the user typed. Entity ``value``\\s stay normalised: an ID number typed with full-width
digits is reported at the span of those digits, with the half-width number as value.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalizer import ORIGINAL_TEXT, SPAN_MAP
from bot.nlu.stateless import PerMessageComponent
from bot.nlu.text import Normalized

NORMALIZED_TEXT = "normalized_text"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class OriginalTextRestorer(PerMessageComponent):
    """Restores the original text and maps entity spans onto it (see the module docstring)."""

    def apply(self, message: Message) -> None:
        """Restore the message (training too, for callers that run the whole pipeline over training data)."""
        restore_message(message)


def restore_message(message: Message) -> None:
    """Put the original text back into ``message`` and map entity and token spans onto it.

    A message the normaliser did not touch is left as it is.
    """
    span_map = message.get(SPAN_MAP)
    if span_map is None:
        return
    normalized = Normalized.from_dict(span_map, message.get(TEXT))
    entities = message.get(ENTITIES)
    if entities is not None:
        message.set(ENTITIES, [_restore_entity(entity, normalized) for entity in entities], add_to_output=True)
    tokens = message.get(TOKENS_NAMES[TEXT])
    if tokens is not None:
        message.set(TOKENS_NAMES[TEXT], [_restore_token(token, normalized) for token in tokens])
    message.set(NORMALIZED_TEXT, normalized.text, add_to_output=True)
    message.set(TEXT, normalized.original)
    message.data.pop(SPAN_MAP, None)
    message.data.pop(ORIGINAL_TEXT, None)


def _restore_entity(entity: dict[str, Any], normalized: Normalized) -> dict[str, Any]:
    start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
    if start is None or end is None:
        return entity
    original_start, original_end = normalized.to_original(start, end)
    return {**entity, ENTITY_ATTRIBUTE_START: original_start, ENTITY_ATTRIBUTE_END: original_end}


def _restore_token(token: Token, normalized: Normalized) -> Token:
    start, end = normalized.to_original(token.start, token.end)
    return Token(token.text, start, end, data=token.data, lemma=token.lemma)
