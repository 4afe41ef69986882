"""The sentence character n-gram featurizer, trained, persisted and loaded through Rasa's model storage."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.char_ngrams import SentenceCharNgramFeaturizer, char_ngrams
from bot.nlu.normalizer import ChineseTextNormalizer

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ["以工代训补贴多少钱", "我要报名专车", "查一下审核进度"]


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "char_ngrams")


def _featurizer(storage: LocalModelStorage, **config: object) -> SentenceCharNgramFeaturizer:
    merged = {**SentenceCharNgramFeaturizer.get_default_config(), **config}
    return SentenceCharNgramFeaturizer.create(merged, storage, Resource("char_ngrams"), _context())


def _training_data() -> TrainingData:
    return TrainingData([Message(data={TEXT: text, "intent": "x"}) for text in EXAMPLES])


def _sentence_columns(message: Message) -> set[str]:
    _, sentence = message.get_sparse_features(TEXT)
    assert sentence is not None
    return set(sentence.features.tocsr().indices.tolist())


def test_char_ngrams_ignore_spaces_and_case() -> None:
    assert char_ngrams("报 名", 1, 2) == {"报", "名", "报名"}
    assert char_ngrams("OK 好", 2, 3) == {"ok", "k好", "ok好"}
    assert char_ngrams("", 1, 3) == set()


def test_a_typo_keeps_the_features_it_shares_with_the_right_spelling(storage: LocalModelStorage) -> None:
    featurizer = _featurizer(storage)
    featurizer.process_training_data(featurizer_data := _training_data())
    featurizer.train(featurizer_data)
    [right, typo, other] = featurizer.process(
        [Message(data={TEXT: "以工代训"}), Message(data={TEXT: "一工代训"}), Message(data={TEXT: "报名专车"})]
    )
    vocabulary = {index: gram for gram, index in featurizer.vocabulary.items()}
    shared = {vocabulary[i] for i in _sentence_columns(right) & _sentence_columns(typo)}
    assert {"工代训", "工代", "代训"} <= shared
    assert "以工" not in shared
    assert not _sentence_columns(right) & _sentence_columns(other)


def test_the_vocabulary_survives_persisting_and_loading(storage: LocalModelStorage) -> None:
    featurizer = _featurizer(storage, min_ngram=2, max_ngram=2)
    resource = featurizer.train(_training_data())
    loaded = SentenceCharNgramFeaturizer.load(
        {**SentenceCharNgramFeaturizer.get_default_config(), "min_ngram": 2, "max_ngram": 2},
        storage,
        resource,
        _context(),
    )
    assert loaded.vocabulary == featurizer.vocabulary
    assert all(len(gram) == 2 for gram in loaded.vocabulary)
    [message] = loaded.process([Message(data={TEXT: "报名"})])
    assert _sentence_columns(message) == {loaded.vocabulary["报名"]}
    # only sentence features: the sequence features stay with the token-based featurizers
    sequence, _ = message.get_sparse_features(TEXT)
    assert sequence is None


def test_min_count_drops_rare_ngrams(storage: LocalModelStorage) -> None:
    featurizer = _featurizer(storage, min_ngram=1, max_ngram=2, min_count=2)
    texts = ["报名专车", "专车几点走", "报名"]
    featurizer.train(TrainingData([Message(data={TEXT: t, "intent": "x"}) for t in texts]))
    assert set(featurizer.vocabulary) == {"报", "名", "专", "车", "报名", "专车"}


def test_messages_without_text_or_unknown_ngrams_get_no_or_empty_features(storage: LocalModelStorage) -> None:
    featurizer = _featurizer(storage)
    featurizer.train(_training_data())
    empty, unknown = featurizer.process([Message(data={"intent": "greet"}), Message(data={TEXT: "天气"})])
    assert empty.get_sparse_features(TEXT) == (None, None)
    _, sentence = unknown.get_sparse_features(TEXT)
    assert sentence is not None and sentence.features.nnz == 0
    assert sentence.features.shape == (1, len(featurizer.vocabulary))


def test_it_sees_the_normalised_text_of_the_real_pipeline(storage: LocalModelStorage) -> None:
    normalizer = ChineseTextNormalizer.create({}, storage, Resource("normalizer"), _context())
    tokenizer = JiebaTokenizer.create(
        {**JiebaTokenizer.get_default_config(), "dictionary_path": str(ROOT / "data" / "jieba")},
        storage,
        Resource("jieba"),
        _context(),
    )
    featurizer = _featurizer(storage, min_ngram=3, max_ngram=3)
    data = tokenizer.process_training_data(normalizer.process_training_data(TrainingData([
        Message(data={TEXT: "补贴500元", "intent": "x"}),
    ])))  # fmt: skip
    featurizer.train(data)
    [message] = featurizer.process(tokenizer.process(normalizer.process([Message(data={TEXT: "补贴五百元"})])))
    assert {g for g, i in featurizer.vocabulary.items() if i in _sentence_columns(message)} == {
        "补贴5",
        "贴50",
        "500",
        "00元",
    }


@pytest.mark.parametrize(
    "config",
    [{"min_ngram": 0}, {"min_ngram": 3, "max_ngram": 2}, {"max_ngram": "3"}, {"min_count": 0}],
)
def test_bad_configuration_is_refused(storage: LocalModelStorage, config: dict[str, object]) -> None:
    with pytest.raises(InvalidConfigException):
        _featurizer(storage, **config)
