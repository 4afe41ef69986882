"""The text normaliser, its span map, and the two pipeline components around real Rasa components."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.validation import validate
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.data import TrainingType
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.char_ngrams import SentenceCharNgramFeaturizer
from bot.nlu.normalizer import ORIGINAL_TEXT, SPAN_MAP, ChineseTextNormalizer
from bot.nlu.span_restorer import NORMALIZED_TEXT, OriginalTextRestorer
from bot.nlu.text import chinese_numeral_value, normalize
from bot.nlu.variants import variant_table

ROOT = Path(__file__).resolve().parents[3]
ID_NUMBER = "371321198708208579"
FULL_WIDTH_ID = "３７１３２１１９８７０８２０８５７９"


# --- the text table -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        # numerals that are quantities
        ("以工代训每人每月五百元", "以工代训每人每月500元"),
        ("俺们三个人要报名", "俺们3个人要报名"),
        ("补贴六个月", "补贴6个月"),
        ("两千五", "2500"),
        ("一万二", "12000"),
        ("用了二十多个脱贫户", "用了20多个脱贫户"),
        ("合同签三年", "合同签3年"),
        ("二〇二一年的文件", "2021年的文件"),
        ("兩個人", "2个人"),
        ("等了十分钟", "等了10分钟"),
        ("一块钱", "1块钱"),
        # full-width → half-width, Chinese punctuation kept
        ("身份证" + FULL_WIDTH_ID, "身份证" + ID_NUMBER),
        ("每月５００块，对吗？", "每月500块，对吗？"),
        ("ＯＫ", "OK"),
        ("代码ｍａ", "代码ma"),
        # traditional and variant characters
        ("補貼咋領", "补贴咋领"),
        ("衛生公益崗", "卫生公益岗"),
        ("憑證號碼", "凭证号码"),
        ("培訓請問", "培训请问"),
        ("臨沭縣", "临沭县"),
        ("蘭山區", "兰山区"),
        ("脫貧戶就業幫扶", "脱贫户就业帮扶"),
        # repeated punctuation, emoji, spaces
        ("补贴发了吗？？？", "补贴发了吗？"),
        ("好的!!!!", "好的!"),
        ("啥时候?？?", "啥时候?"),
        ("谢谢😊👍🏻", "谢谢"),
        ("❤️你好🇨🇳", "你好"),
        ("  你好\u3000 请问  ", "你好 请问"),
        ("转人工\u200b", "转人工"),
        # codes upper-cased for the regexes
        ("91371311ma8fxf2m9k", "91371311MA8FXF2M9K"),
        ("37132419660410357x", "37132419660410357X"),
        # a word of the knowledge base written with same-sounding characters (voice input)
        ("劳务书出有补贴吗", "劳务输出有补贴吗"),
        ("以工代讯干了三个月", "以工代训干了3个月"),
    ],
)
def test_normalization_table(typed: str, normalized: str) -> None:
    assert normalize(typed).text == normalized


@pytest.mark.parametrize(
    "text",
    [
        "我们一起去",
        "等一下",
        "万一不行咋办",
        "十分感谢",
        "统一社会信用代码",
        "一县一品",
        "第一条",
        "第十二条原文",
        "正月初八走",
        "初六出发",
        "一次性求职创业补贴",
        "同一个县",
        "我们一块去",
        "一家人都在外地",
        "十几个人",
        "三五个人",
        "千万别忘了",
        "腊月二十八走",
        "一体化服务",
        "以工代训",
        "您好，想咨询点事儿",
    ],
)
def test_words_with_numerals_are_left_alone(text: str) -> None:
    assert normalize(text).text == text


@pytest.mark.parametrize(
    ("run", "digits"),
    [("五百", "500"), ("两千五", "2500"), ("十五", "15"), ("一百零五", "105"), ("二〇二一", "2021"), ("八", "8")],
)
def test_numeral_values(run: str, digits: str) -> None:
    assert chinese_numeral_value(run) == digits


@pytest.mark.parametrize("run", ["万一", "千万", "三五", "十十", "一亿"])
def test_runs_that_are_not_numbers(run: str) -> None:
    assert chinese_numeral_value(run) is None


def test_variant_table_is_idempotent() -> None:
    table = variant_table()
    assert not set(table.values()) & set(table), "a simplified character must not be rewritten again"


# --- the span map -------------------------------------------------------------------------------------------


def test_span_map_of_a_full_width_id_inside_a_sentence() -> None:
    typed = f"😊我的身份證是 {FULL_WIDTH_ID}！！！"
    result = normalize(typed)
    assert result.text == f"我的身份证是 {ID_NUMBER}！"
    start = result.text.index(ID_NUMBER)
    original_start, original_end = result.to_original(start, start + len(ID_NUMBER))
    assert typed[original_start:original_end] == FULL_WIDTH_ID
    exclaim = result.text.index("！")
    assert result.to_original(exclaim, exclaim + 1) == (len(typed) - 3, len(typed))


def test_span_map_after_a_numeral_that_grew() -> None:
    typed = "补贴两千五 电话13812345678"
    result = normalize(typed)
    assert result.text == "补贴2500 电话13812345678"
    start = result.text.index("138")
    assert result.to_original(start, start + 11) == (typed.index("138"), typed.index("138") + 11)
    number = result.to_original(2, 6)
    assert typed[number[0] : number[1]] == "两千五"


def test_original_spans_map_onto_the_normalised_text() -> None:
    typed = f"身份证👍{FULL_WIDTH_ID}"
    result = normalize(typed)
    start = typed.index(FULL_WIDTH_ID)
    new_start, new_end = result.to_normalized(start, start + len(FULL_WIDTH_ID))
    assert result.text[new_start:new_end] == ID_NUMBER
    emoji = typed.index("👍")
    assert result.to_normalized(emoji, emoji + 1) == (3, 3)  # removed: an empty span where it was


_TEXTS = st.text(
    alphabet=st.sampled_from(list("一二两三十百千万第初个人元月补貼證號 　？?！!，1２x😊👍🏻\u200b")),
    max_size=30,
)


@given(_TEXTS)
def test_normalization_is_idempotent_and_its_map_is_ordered(typed: str) -> None:
    result = normalize(typed)
    assert normalize(result.text).text == result.text
    assert len(result.starts) == len(result.ends) == len(result.text)
    assert all(0 <= s < e <= len(typed) for s, e in zip(result.starts, result.ends, strict=True))
    assert list(result.starts) == sorted(result.starts)
    for i in range(len(result.text)):
        start, end = result.to_original(i, i + 1)
        assert result.to_normalized(start, end)[0] <= i < result.to_normalized(start, end)[1]


# --- the components, with real Rasa components around them --------------------------------------------------


@pytest.fixture
def context(tmp_path: Path) -> tuple[LocalModelStorage, ExecutionContext]:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage"), ExecutionContext(GraphSchema({}), "test")


def _create(cls: Any, config: dict[str, Any], name: str, context: tuple[LocalModelStorage, ExecutionContext]) -> Any:
    storage, execution_context = context
    return cls.create({**cls.get_default_config(), **config}, storage, Resource(name), execution_context)


@pytest.fixture
def training_data() -> TrainingData:
    """The project's real NLU data (regexes, lookup table, synonyms and annotated examples)."""
    return load_data(str(ROOT / "data" / "nlu"))


@pytest.fixture
def pipeline(context: tuple[LocalModelStorage, ExecutionContext], training_data: TrainingData) -> list[Any]:
    """Normaliser → jieba → regex entities → synonyms → restorer, trained like `rasa train` would."""
    normalizer = _create(ChineseTextNormalizer, {}, "normalizer", context)
    tokenizer = _create(JiebaTokenizer, {"dictionary_path": str(ROOT / "data" / "jieba")}, "jieba", context)
    regex = _create(
        RegexEntityExtractor,
        {"use_lookup_tables": True, "use_regexes": True, "use_word_boundaries": False},
        "regex",
        context,
    )
    synonyms = _create(EntitySynonymMapper, {}, "synonyms", context)
    restorer = _create(OriginalTextRestorer, {}, "restorer", context)
    data = tokenizer.process_training_data(normalizer.process_training_data(training_data))
    regex.train(data)
    synonyms.train(data)
    return [normalizer, tokenizer, regex, synonyms, restorer]


def _parse(pipeline: list[Any], text: str) -> Message:
    messages = [Message(data={TEXT: text})]
    for component in pipeline:
        messages = component.process(messages)
    return messages[0]


def test_full_width_id_in_a_sentence_gets_its_original_span(pipeline: list[Any]) -> None:
    typed = f"我想登记求职，身份證號：{FULL_WIDTH_ID}！！"
    message = _parse(pipeline, typed)
    [entity] = [e for e in message.get(ENTITIES) if e["entity"] == "id_number"]
    assert entity["value"] == ID_NUMBER
    assert typed[entity["start"] : entity["end"]] == FULL_WIDTH_ID
    assert message.get(TEXT) == typed
    assert message.get(NORMALIZED_TEXT) == f"我想登记求职，身份证号：{ID_NUMBER}！"
    assert message.get(SPAN_MAP) is None and message.get(ORIGINAL_TEXT) is None
    assert NORMALIZED_TEXT in message.as_dict(only_output_properties=True)


def test_entities_after_a_changed_numeral_and_emoji_map_back(pipeline: list[Any]) -> None:
    typed = "👍👍我们两千五百块 在沂水 电话１３８１２３４５６７８"
    message = _parse(pipeline, typed)
    found = {e["entity"]: e for e in message.get(ENTITIES)}
    assert found["phone"]["value"] == "13812345678"
    assert typed[found["phone"]["start"] : found["phone"]["end"]] == "１３８１２３４５６７８"
    assert found["county"]["value"] == "沂水县"  # the synonym mapper still sees the normalised 沂水
    assert typed[found["county"]["start"] : found["county"]["end"]] == "沂水"
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert all(0 <= t.start < t.end <= len(typed) for t in tokens)
    assert any(typed[t.start : t.end] == "两千五百" for t in tokens)


def test_training_examples_are_normalised_with_their_annotations(
    context: tuple[LocalModelStorage, ExecutionContext],
) -> None:
    typed = f"😊身份證{FULL_WIDTH_ID} 在沂水"
    id_start, county_start = typed.index(FULL_WIDTH_ID), typed.index("沂水")
    example = Message(
        data={
            TEXT: typed,
            "intent": "inform",
            ENTITIES: [
                {"entity": "id_number", "start": id_start, "end": id_start + 18, "value": FULL_WIDTH_ID},
                {"entity": "county", "start": county_start, "end": county_start + 2, "value": "沂水县"},
            ],
        }
    )
    normalizer = _create(ChineseTextNormalizer, {}, "normalizer", context)
    data = normalizer.process_training_data(TrainingData([example]))
    [normalized] = data.training_examples
    assert normalized.get(TEXT) == f"身份证{ID_NUMBER} 在沂水"
    id_entity, county = normalized.get(ENTITIES)
    assert normalized.get(TEXT)[id_entity["start"] : id_entity["end"]] == ID_NUMBER
    assert id_entity["value"] == ID_NUMBER
    assert normalized.get(TEXT)[county["start"] : county["end"]] == "沂水" and county["value"] == "沂水县"
    # normalising twice changes nothing
    assert normalizer.process_training_data(copy.deepcopy(data)).training_examples[0].get(TEXT) == normalized.get(TEXT)

    restored = _create(OriginalTextRestorer, {}, "restorer", context).process_training_data(data)
    [back] = restored.training_examples
    assert back.get(TEXT) == typed
    assert [(e["start"], e["end"], e["value"]) for e in back.get(ENTITIES)] == [
        (id_start, id_start + 18, ID_NUMBER),
        (county_start, county_start + 2, "沂水县"),
    ]


def test_messages_not_normalised_pass_the_restorer_unchanged(
    context: tuple[LocalModelStorage, ExecutionContext],
) -> None:
    message = Message(data={TEXT: "你好", ENTITIES: [{"entity": "x", "start": 0, "end": 1, "value": "你"}]})
    _create(OriginalTextRestorer, {}, "restorer", context).process([message])
    assert message.get(TEXT) == "你好" and message.get(ENTITIES)[0]["end"] == 1


def test_components_load_without_a_persisted_resource(context: tuple[LocalModelStorage, ExecutionContext]) -> None:
    storage, execution_context = context
    for cls in (ChineseTextNormalizer, OriginalTextRestorer):
        component = cls.load({}, storage, Resource("never-written"), execution_context)
        assert isinstance(component, cls)


def test_project_config_with_the_components_builds_a_valid_graph() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [step["name"] for step in config["pipeline"]]
    moved = ("bot.nlu.normalizer.ChineseTextNormalizer", "bot.nlu.span_restorer.OriginalTextRestorer")
    pipeline = [step for step in config["pipeline"] if step["name"] not in moved]
    synonym_index = next(i for i, step in enumerate(pipeline) if step["name"] == "EntitySynonymMapper")
    pipeline.insert(synonym_index + 1, {"name": "bot.nlu.span_restorer.OriginalTextRestorer"})
    pipeline.insert(0, {"name": "bot.nlu.normalizer.ChineseTextNormalizer"})
    config["pipeline"] = pipeline
    assert "JiebaTokenizer" in names
    model_configuration = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.BOTH)
    validate(model_configuration)
    predict_nodes = model_configuration.predict_schema.nodes
    normalizer_node = next(n for n in predict_nodes.values() if n.uses is ChineseTextNormalizer)
    restorer_node = next(n for n in predict_nodes.values() if n.uses is OriginalTextRestorer)
    assert normalizer_node.fn == "process" and restorer_node.fn == "process"
    train_nodes = model_configuration.train_schema.nodes
    assert any(n.uses is ChineseTextNormalizer and n.fn == "process_training_data" for n in train_nodes.values())
    # the character n-gram featurizer is trained, and its features reach the intent classifier
    assert any(n.uses is SentenceCharNgramFeaturizer and n.fn == "train" for n in train_nodes.values())
    classifier = next(n for n in predict_nodes.values() if n.uses is DIETClassifier)
    featurizer = next(name for name, n in predict_nodes.items() if n.uses is SentenceCharNgramFeaturizer)
    assert featurizer in _ancestors(predict_nodes, classifier)


def _ancestors(nodes: dict[str, Any], node: Any) -> set[str]:
    found: set[str] = set()
    pending = list(node.needs.values())
    while pending:
        name = pending.pop()
        if name in nodes and name not in found:
            found.add(name)
            pending.extend(nodes[name].needs.values())
    return found
