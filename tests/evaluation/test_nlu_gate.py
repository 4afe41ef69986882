"""The held-out NLU evaluation on the real trained model: the CI gate of `make eval`."""

from __future__ import annotations

from pathlib import Path

from evaluation.nlu_report import (
    HELD_OUT,
    UNCLEAR,
    check_unclear,
    read_entity_scores,
    read_intent_report,
    read_unclear_messages,
    run_evaluation,
)

MIN_MACRO_F1 = 0.90
MIN_ENTITY_F1 = 0.98
MIN_UNCLEAR_RATE = 0.80


def test_intent_macro_f1_meets_the_bar(trained_model: Path, tmp_path: Path) -> None:
    run_evaluation(trained_model, HELD_OUT, tmp_path)
    intents = read_intent_report(tmp_path)
    worst = [(s.name, round(s.f1, 2)) for s in intents.worst_first()[:5]]
    assert intents.macro_f1 >= MIN_MACRO_F1, worst
    entities = read_entity_scores(tmp_path)
    assert all(score is not None for score in entities.values()), entities
    weak = {name: round(score.f1, 3) for name, score in entities.items() if score.f1 < MIN_ENTITY_F1}
    assert not weak, weak
    assert (tmp_path / "intent_confusion_matrix.png").is_file() or any(tmp_path.glob("*confusion*.png"))


def test_messages_that_say_too_little_reach_the_clarification(trained_model: Path) -> None:
    report = check_unclear(trained_model, read_unclear_messages(UNCLEAR), ["我想登记找工作", "以工代训补贴多少"])
    assert report.total >= 20
    assert report.rate >= MIN_UNCLEAR_RATE, report.guessed
    # clear requests are answered, not sent to the clarification
    assert (report.held_out_total, report.held_out_clarified) == (2, 0)
