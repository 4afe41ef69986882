"""Reading Rasa's NLU evaluation reports and the figures the report command prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.nlu_report import (
    LabelScore,
    ReportError,
    UnclearReport,
    format_report,
    main,
    read_entity_scores,
    read_intent_report,
    read_unclear_messages,
    read_unclear_report,
    run_evaluation,
    write_unclear_report,
)


def _scores(precision: float, recall: float, support: int) -> dict[str, float]:
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": support}


def _write_reports(out: Path, greet: tuple[float, float], stop: tuple[float, float]) -> None:
    """Reports shaped like Rasa 3.6 writes them (scikit-learn classification_report plus confused_with)."""
    out.mkdir(parents=True, exist_ok=True)
    intents = {
        "greet": {**_scores(*greet, 20), "confused_with": {"thank": 2}},
        "stop": {**_scores(*stop, 18), "confused_with": {}},
        "accuracy": 0.9,
    }
    labels = [v for k, v in intents.items() if k != "accuracy"]
    intents["macro avg"] = {
        key: sum(v[key] for v in labels) / len(labels) for key in ("precision", "recall", "f1-score")
    } | {"support": 38}
    intents["weighted avg"] = {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 38}
    (out / "intent_report.json").write_text(json.dumps(intents), encoding="utf-8")
    entities = {
        "id_number": {**_scores(1.0, 0.5, 4), "confused_with": {}},
        "phone": _scores(1.0, 1.0, 6),
        "micro avg": _scores(1.0, 0.8, 10),
        "macro avg": _scores(1.0, 0.75, 10),
    }
    (out / "RegexEntityExtractor_report.json").write_text(json.dumps(entities), encoding="utf-8")


def test_intent_report_is_read_and_sorted_worst_first(tmp_path: Path) -> None:
    _write_reports(tmp_path, greet=(1.0, 1.0), stop=(0.5, 0.5))
    report = read_intent_report(tmp_path)
    assert report.macro_f1 == pytest.approx(0.75)
    assert report.accuracy == pytest.approx(0.9)
    assert [s.name for s in report.worst_first()] == ["stop", "greet"]
    assert {s.name for s in report.labels} == {"greet", "stop"}


def test_entity_scores_of_the_four_entities(tmp_path: Path) -> None:
    _write_reports(tmp_path, greet=(1.0, 1.0), stop=(1.0, 1.0))
    scores = read_entity_scores(tmp_path)
    assert list(scores) == ["id_number", "phone", "credit_code", "county"]
    assert scores["id_number"] == LabelScore("id_number", 1.0, 0.5, pytest.approx(2 / 3), 4)
    assert scores["credit_code"] is None and scores["county"] is None
    assert read_entity_scores(tmp_path / "nothing") == dict.fromkeys(scores)


def test_printed_report(tmp_path: Path) -> None:
    _write_reports(tmp_path, greet=(1.0, 1.0), stop=(0.5, 0.5))
    image = tmp_path / "intent_confusion_matrix.png"
    image.write_bytes(b"png")
    text = format_report(read_intent_report(tmp_path), read_entity_scores(tmp_path), image, 0.9)
    assert "意图宏平均 F1：0.750（门槛 0.90）" in text
    assert text.index("| stop | 0.500") < text.index("| greet | 1.000")
    assert "| id_number | 1.000 | 0.500 | 0.667 | 4 |" in text
    assert "| credit_code | - | - | - | 0 |" in text
    assert f"混淆矩阵：{image}" in text


@pytest.mark.parametrize(("stop", "code"), [((0.5, 0.5), 1), ((0.95, 0.95), 0)])
def test_exit_code_follows_the_macro_f1_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stop: tuple[float, float], code: int
) -> None:
    _write_reports(tmp_path, greet=(1.0, 1.0), stop=stop)
    assert main(["--skip-run", "--out", str(tmp_path), "--min-macro-f1", "0.9"]) == code
    out, err = capsys.readouterr()
    assert "| greet |" in out
    assert ("低于 0.90" in err) == (code == 1)


def test_missing_model_or_report_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ReportError, match="找不到模型"):
        run_evaluation(tmp_path / "missing.tar.gz", tmp_path / "data.yml", tmp_path / "out")
    assert main(["--skip-run", "--out", str(tmp_path / "empty")]) == 2
    assert "intent_report.json" in capsys.readouterr().err


def test_unclear_report_round_trip_and_printed_lines(tmp_path: Path) -> None:
    report = UnclearReport(total=4, guessed=(("那个", "deny"),), held_out_total=200, held_out_clarified=5)
    write_unclear_report(report, tmp_path)
    assert read_unclear_report(tmp_path) == report
    assert read_unclear_report(tmp_path / "nothing") is None
    assert report.clarified == 3 and report.rate == 0.75
    _write_reports(tmp_path, greet=(1.0, 1.0), stop=(1.0, 1.0))
    text = format_report(read_intent_report(tmp_path), read_entity_scores(tmp_path), None, 0.9, report, 0.8)
    assert "含糊消息转入澄清：3/4（75%，门槛 80%）" in text
    assert "被猜成 deny：那个" in text
    assert "留出集消息转入澄清（上面的 F1 按分类器第一意图计，不含此项）：5/200（2.5%）" in text


@pytest.mark.parametrize(("guessed", "code"), [(1, 0), (2, 1)])
def test_exit_code_follows_the_unclear_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], guessed: int, code: int
) -> None:
    _write_reports(tmp_path, greet=(1.0, 1.0), stop=(1.0, 1.0))
    write_unclear_report(UnclearReport(total=5, guessed=(("啥", "affirm"),) * guessed), tmp_path)
    assert main(["--skip-run", "--out", str(tmp_path), "--min-unclear-rate", "0.8"]) == code
    assert ("含糊消息转入澄清的比例 60% 低于 80%" in capsys.readouterr().err) == (code == 1)


def test_unclear_messages_file_must_list_messages(tmp_path: Path) -> None:
    path = tmp_path / "unclear.yml"
    path.write_text("unclear:\n  - 那个\n  - 咋弄\n", encoding="utf-8")
    assert read_unclear_messages(path) == ["那个", "咋弄"]
    for text in ("other: [a]\n", "unclear: []\n", "unclear:\n  - ''\n"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ReportError, match="unclear"):
            read_unclear_messages(path)
    with pytest.raises(ReportError, match="找不到"):
        read_unclear_messages(tmp_path / "missing.yml")
