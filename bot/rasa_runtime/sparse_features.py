"""Join a message's sparse features in one ``hstack``, not one per featurizer.

Before DIET classifies a message, Rasa 3.6.21 joins the features of every featurizer
(``Message._combine_features``): it deep-copies the first matrix, then appends each further one with its own
``scipy.sparse.hstack`` — a new COO matrix each time, built through ``bmat``. The pipeline has four sparse
featurizers (regexes and lookups, words, characters within words, characters of the whole message), so each
message paid for five such joins of its sequence and sentence features: about a twentieth of a Rasa worker's time
under load. Joining all matrices at once gives the same matrix (same values, shape, dtype and COO format) and the
same ``Features`` (type, attribute, origin). Dense features, a single one, and rows that do not match (Rasa's own
error) go to Rasa's method.

Pinned like the other fixes: applied only to ``PINNED_RASA`` whose ``Message._combine_features`` has the source
``ORIGINAL_SHA256``; otherwise Rasa is left as it is, with a warning.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_runtime import pinned

PINNED_RASA = "3.6.21"
# sha256 of inspect.getsource(Message._combine_features) in rasa 3.6.21.
ORIGINAL_SHA256 = "6f88fa43154948bd3f5285324dcba76bf4f80a4a8632a02dff16cd0b0f9631fa"

_original: Any = None


def matches_installed_rasa() -> bool:
    """Whether the installed Rasa is the version and the code this patch was written for."""
    import rasa
    from rasa.shared.nlu.training_data.message import Message

    rasas = _original or Message._combine_features
    return pinned.matches(rasa.__version__, PINNED_RASA, (rasas,), (ORIGINAL_SHA256,))


def combine_features(features: list[Any], featurizers: list[str]) -> Any:
    """The features of ``features`` side by side, as one ``Features`` whose origin is ``featurizers``."""
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import hstack

    if len(features) < 2 or not all(f.is_sparse() for f in features):
        return _original(features, featurizers)
    rows = features[0].features.shape[0]
    if any(f.features.shape[0] != rows for f in features):
        return _original(features, featurizers)
    first = features[0]
    return Features(hstack([f.features for f in features]), first.type, first.attribute, featurizers)


def apply() -> bool:
    """Replace ``Message._combine_features``; returns whether it was replaced."""
    global _original
    import rasa
    from rasa.shared.nlu.training_data.message import Message

    if _original is None:
        if not matches_installed_rasa():
            return pinned.refused("rasa", rasa.__version__, PINNED_RASA, __name__, "Rasa joins sparse features")
        _original = Message._combine_features
        Message._combine_features = staticmethod(combine_features)
    return True


def is_applied() -> bool:
    """Whether :func:`apply` replaced the method in this process."""
    return _original is not None
