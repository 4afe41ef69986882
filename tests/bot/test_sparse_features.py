"""Sparse features joined in one step are the features Rasa joins one featurizer at a time."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_runtime import sparse_features

FEATURIZERS = ["RegexFeaturizer", "cvf_word", "cvf_char", "SentenceCharNgramFeaturizer"]


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(Message, "_combine_features", Message.__dict__["_combine_features"])
    monkeypatch.setattr(sparse_features, "_original", None)
    assert sparse_features.apply()


def _message(seed: int, tokens: int, featurizers: list[str]) -> Message:
    """A message with sequence and sentence features from each featurizer, as Rasa's featurizers add them."""
    rng = np.random.default_rng(seed)
    message = Message(data={TEXT: "公益岗合同签几年"})
    for n, name in enumerate(featurizers):
        width = int(rng.integers(3, 400))
        dtype = np.int64 if n % 2 else np.float64
        for kind, rows in (("sequence", tokens), ("sentence", 1)):
            matrix = scipy.sparse.random(rows, width, density=0.05, format="coo", random_state=seed + n, dtype=dtype)
            message.add_features(Features(matrix, kind, TEXT, name))
    return message


def _same(a: Features | None, b: Features | None) -> None:
    assert (a is None) == (b is None)
    if a is None or b is None:
        return
    assert (a.type, a.attribute, a.origin) == (b.type, b.attribute, b.origin)
    assert a.features.format == b.features.format and a.features.dtype == b.features.dtype
    assert a.features.shape == b.features.shape
    assert (a.features != b.features).nnz == 0


@pytest.mark.parametrize("count", [1, 2, 4])
@pytest.mark.parametrize("seed", range(5))
def test_joined_features_equal_rasas(patched, seed: int, count: int):
    message = _message(seed, tokens=3 + seed, featurizers=FEATURIZERS[:count])
    ours = message.get_sparse_features(TEXT, FEATURIZERS[:count])
    reference = _reference(message, FEATURIZERS[:count])
    for mine, theirs in zip(ours, reference, strict=True):
        _same(mine, theirs)


def _reference(message: Message, featurizers: list[str]) -> tuple[Features | None, Features | None]:
    """Rasa's own join, on the same message."""
    sequence, sentence = message._filter_sparse_features(TEXT, featurizers)
    rasa_join = sparse_features._original
    return rasa_join(sequence, featurizers), rasa_join(sentence, featurizers)


def test_rows_that_do_not_match_raise_rasas_error(patched):
    a = Features(scipy.sparse.coo_matrix(np.ones((2, 3))), "sequence", TEXT, "a")
    b = Features(scipy.sparse.coo_matrix(np.ones((3, 3))), "sequence", TEXT, "b")
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        Message._combine_features([a, b], ["a", "b"])


def test_written_for_the_installed_rasa():
    """Fails after a Rasa upgrade (version or the method's source): review the patch then."""
    import rasa

    assert rasa.__version__ == sparse_features.PINNED_RASA
    assert sparse_features.matches_installed_rasa()


def test_one_join_per_feature_type(patched, monkeypatch: pytest.MonkeyPatch):
    """Four featurizers: two joins (sequence, sentence) instead of Rasa's three each."""
    calls: list[int] = []
    real_hstack = scipy.sparse.hstack

    def counting_hstack(blocks, *args, **kwargs):
        calls.append(len(blocks))
        return real_hstack(blocks, *args, **kwargs)

    monkeypatch.setattr(scipy.sparse, "hstack", counting_hstack)
    _message(7, tokens=5, featurizers=FEATURIZERS).get_sparse_features(TEXT, FEATURIZERS)
    assert calls == [4, 4]
