"""Hygiene of the held-out NLU set tests/nlu/test_nlu.yml that `python -m evaluation.nlu_report` scores."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import settings
from bot.nlu.text import normalize_text
from bot.validation import ValidationError, validate_credit_code, validate_id_number

ROOT = Path(__file__).resolve().parents[3]
HELD_OUT = ROOT / "tests" / "nlu" / "test_nlu.yml"
TRAINING = ROOT / "data" / "nlu"
MIN_EXAMPLES = 15


def utterance_key(text: str) -> str:
    """What the model would see, without spaces: two examples with the same key are the same utterance."""
    return re.sub(r"\s+", "", normalize_text(text))


@pytest.fixture(scope="module")
def held_out() -> TrainingData:
    return load_data(str(HELD_OUT))


@pytest.fixture(scope="module")
def training() -> TrainingData:
    return load_data(str(TRAINING))


def test_utterance_key_ignores_annotations_spaces_and_width() -> None:
    [example] = load_data_from_text(
        "- intent: inform\n  examples: |\n    - 我在 [沂水](county) ５个人\n"
    ).intent_examples
    assert utterance_key(example.get(TEXT)) == utterance_key("我在沂水5个人")


def load_data_from_text(nlu_yaml: str) -> TrainingData:

    return RasaYAMLReader().reads(f'version: "3.1"\nnlu:\n{nlu_yaml}')


def test_no_held_out_utterance_is_in_the_training_data(held_out: TrainingData, training: TrainingData) -> None:
    trained = {utterance_key(e.get(TEXT)) for e in training.intent_examples}
    overlap = [
        f"{e.get(INTENT)}: {e.get(TEXT)}" for e in held_out.intent_examples if utterance_key(e.get(TEXT)) in trained
    ]
    assert not overlap, "留出集与训练数据重复：\n" + "\n".join(overlap)


def test_no_unclear_message_is_in_the_training_data(training: TrainingData) -> None:
    unclear = yaml.safe_load((ROOT / "tests" / "nlu" / "unclear.yml").read_text(encoding="utf-8"))["unclear"]
    trained = {utterance_key(e.get(TEXT)) for e in training.intent_examples}
    assert [m for m in unclear if utterance_key(m) in trained] == []


def test_no_utterance_appears_twice_in_the_held_out_set(held_out: TrainingData) -> None:
    counts = Counter(utterance_key(e.get(TEXT)) for e in held_out.intent_examples)
    assert [key for key, n in counts.items() if n > 1] == []


def test_every_domain_intent_has_enough_held_out_examples(held_out: TrainingData) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]]
    counts = Counter(e.get(INTENT) for e in held_out.intent_examples)
    missing = [i for i in intents if counts[i] == 0]
    assert not missing, f"domain.yml 中这些意图在留出集中没有样例：{missing}"
    thin = {i: counts[i] for i in intents if counts[i] < MIN_EXAMPLES}
    assert not thin, f"这些意图的留出样例少于 {MIN_EXAMPLES} 条：{thin}"
    unknown = sorted(set(counts) - set(intents))
    assert not unknown, f"留出集中有 domain.yml 没有的意图：{unknown}"


def test_annotated_ids_and_credit_codes_are_valid(held_out: TrainingData) -> None:
    today = settings.today()
    checked, invalid = 0, []
    for example in held_out.entity_examples:
        for entity in example.get(ENTITIES):
            validator = {
                "id_number": lambda v: validate_id_number(v, today),
                "credit_code": validate_credit_code,
            }.get(entity["entity"])
            if validator is None:
                continue
            checked += 1
            try:
                validator(entity["value"])
            except ValidationError as error:
                invalid.append(f"{entity['entity']} {entity['value']}：{error.message}")
    assert checked > 0
    assert not invalid, "\n".join(invalid)
