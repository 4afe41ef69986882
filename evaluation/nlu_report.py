"""``python -m evaluation.nlu_report``: intent and entity figures of the trained model on the held-out NLU set.

Runs Rasa's NLU evaluation (``rasa.model_testing.test_nlu``) on ``tests/nlu/test_nlu.yml`` with the
confusion matrix and histogram plotted into the output folder, then reads ``intent_report.json`` and
``RegexEntityExtractor_report.json`` from it and prints the intent macro-F1, a per-intent table (worst
first) and the F1 of the regex and lookup entities. It also parses the messages of ``tests/nlu/unclear.yml``,
which say too little to act on, and counts how many reach ``nlu_fallback`` (the clarification) instead of a
guessed intent. Exits with 1 when the macro-F1 or that share is below its bar.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"
HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"
UNCLEAR = PROJECT_ROOT / "tests" / "nlu" / "unclear.yml"
UNCLEAR_REPORT = "unclear_report.json"
FALLBACK_INTENT = "nlu_fallback"
OUT = PROJECT_ROOT / "reports" / "nlu"
ENTITY_EXTRACTOR = "RegexEntityExtractor"
ENTITIES = ("id_number", "phone", "credit_code", "county")
# Keys of a scikit-learn classification report that are averages, not labels.
_AVERAGES = frozenset({"accuracy", "macro avg", "weighted avg", "micro avg"})


class ReportError(RuntimeError):
    """The evaluation produced no usable report."""


@dataclass(frozen=True)
class LabelScore:
    """Precision, recall and F1 of one intent or entity."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class IntentReport:
    """What ``intent_report.json`` says."""

    macro_f1: float
    accuracy: float | None
    labels: tuple[LabelScore, ...]

    def worst_first(self) -> list[LabelScore]:
        """Intents by F1, worst first (ties by name)."""
        return sorted(self.labels, key=lambda s: (s.f1, s.name))


@dataclass(frozen=True)
class UnclearReport:
    """How the model treated messages that say too little to act on."""

    total: int
    guessed: tuple[tuple[str, str], ...]  # (message, intent the model guessed instead of falling back)
    # Held-out messages that reach the fallback too. Rasa's evaluation scores the top intent behind the fallback,
    # so the F1 above does not show them; in a conversation they get the clarification, not an answer.
    held_out_total: int = 0
    held_out_clarified: int = 0

    @property
    def clarified(self) -> int:
        """Messages that reached ``nlu_fallback``."""
        return self.total - len(self.guessed)

    @property
    def rate(self) -> float:
        """Share of the messages that reached ``nlu_fallback`` (1.0 for an empty set)."""
        return self.clarified / self.total if self.total else 1.0


def _label_scores(report: dict[str, Any]) -> list[LabelScore]:
    return [
        LabelScore(
            name=name,
            precision=float(values["precision"]),
            recall=float(values["recall"]),
            f1=float(values["f1-score"]),
            support=int(values["support"]),
        )
        for name, values in report.items()
        if name not in _AVERAGES and isinstance(values, dict)
    ]


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ReportError(f"找不到评测报告 {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def read_intent_report(out: Path) -> IntentReport:
    """Read ``intent_report.json`` from the evaluation output folder.

    Raises:
        ReportError: the file is missing.
    """
    report = _read_json(out / "intent_report.json")
    labels = tuple(_label_scores(report))
    macro = report.get("macro avg")
    # Rasa writes the scikit-learn macro average; recompute it if an older report lacks it.
    macro_f1 = float(macro["f1-score"]) if macro else sum(s.f1 for s in labels) / max(len(labels), 1)
    accuracy = report.get("accuracy")
    return IntentReport(macro_f1, float(accuracy) if accuracy is not None else None, labels)


def read_entity_scores(
    out: Path, extractor: str = ENTITY_EXTRACTOR, entities: tuple[str, ...] = ENTITIES
) -> dict[str, LabelScore | None]:
    """Scores of ``entities`` in ``<extractor>_report.json``; ``None`` for an entity the report lacks.

    A missing report (no entity in the held-out set, or the extractor found nothing) gives all ``None``.
    """
    path = out / f"{extractor}_report.json"
    if not path.is_file():
        return dict.fromkeys(entities)
    scores = {s.name: s for s in _label_scores(_read_json(path))}
    return {entity: scores.get(entity) for entity in entities}


def read_unclear_messages(path: Path) -> list[str]:
    """The messages listed under ``unclear:`` in ``path``.

    Raises:
        ReportError: the file is missing or has no such list of strings.
    """
    if not path.is_file():
        raise ReportError(f"找不到含糊消息集 {path}")
    messages = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unclear")
    if not messages or not all(isinstance(m, str) and m.strip() for m in messages):
        raise ReportError(f"{path} 中应有非空的 unclear: 消息列表")
    return list(messages)


def check_unclear(model: Path, messages: list[str], held_out: list[str] | None = None) -> UnclearReport:
    """Parse ``messages`` with the trained model and collect those given an intent other than the fallback.

    ``held_out`` messages (the texts of the held-out set) are parsed too, and those reaching the fallback counted.
    """
    import asyncio

    from rasa.core.agent import Agent

    async def intents_of(agent: Agent, texts: list[str]) -> list[str]:
        return [(await agent.parse_message(text))["intent"]["name"] for text in texts]

    async def parse_all() -> tuple[list[str], list[str]]:
        agent = Agent.load(str(model))
        return await intents_of(agent, messages), await intents_of(agent, held_out or [])

    unclear_intents, held_out_intents = asyncio.run(parse_all())
    guessed = tuple((m, i) for m, i in zip(messages, unclear_intents, strict=True) if i != FALLBACK_INTENT)
    return UnclearReport(
        total=len(messages),
        guessed=guessed,
        held_out_total=len(held_out_intents),
        held_out_clarified=sum(i == FALLBACK_INTENT for i in held_out_intents),
    )


def write_unclear_report(report: UnclearReport, out: Path) -> None:
    """Write ``report`` as JSON next to Rasa's reports."""
    out.mkdir(parents=True, exist_ok=True)
    data = {
        "total": report.total,
        "guessed": [{"text": m, "intent": i} for m, i in report.guessed],
        "held_out_total": report.held_out_total,
        "held_out_clarified": report.held_out_clarified,
    }
    (out / UNCLEAR_REPORT).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def read_unclear_report(out: Path) -> UnclearReport | None:
    """The report :func:`write_unclear_report` wrote to ``out``, or ``None`` when there is none."""
    path = out / UNCLEAR_REPORT
    if not path.is_file():
        return None
    data = _read_json(path)
    return UnclearReport(
        int(data["total"]),
        tuple((g["text"], g["intent"]) for g in data["guessed"]),
        int(data.get("held_out_total", 0)),
        int(data.get("held_out_clarified", 0)),
    )


def format_report(
    intents: IntentReport,
    entities: dict[str, LabelScore | None],
    confusion_matrix: Path | None,
    min_macro_f1: float,
    unclear: UnclearReport | None = None,
    min_unclear_rate: float = 0.0,
) -> str:
    """The text printed by the command."""
    lines = [f"意图宏平均 F1：{intents.macro_f1:.3f}（门槛 {min_macro_f1:.2f}）"]
    if intents.accuracy is not None:
        lines.append(f"意图准确率：{intents.accuracy:.3f}")
    lines += ["", "| 意图 | 精确率 | 召回率 | F1 | 样例数 |", "|---|---|---|---|---|"]
    lines += [
        f"| {s.name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |" for s in intents.worst_first()
    ]
    lines += ["", f"实体（{ENTITY_EXTRACTOR}）", "| 实体 | 精确率 | 召回率 | F1 | 样例数 |", "|---|---|---|---|---|"]
    for name, score in entities.items():
        if score is None:
            lines.append(f"| {name} | - | - | - | 0 |")
        else:
            lines.append(f"| {name} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} | {score.support} |")
    lines.append("")
    if unclear is not None:
        lines.append(
            f"含糊消息转入澄清：{unclear.clarified}/{unclear.total}（{unclear.rate:.0%}，门槛 {min_unclear_rate:.0%}）"
        )
        lines += [f"  被猜成 {intent}：{message}" for message, intent in unclear.guessed]
        if unclear.held_out_total:
            share = unclear.held_out_clarified / unclear.held_out_total
            lines.append(
                f"留出集消息转入澄清（上面的 F1 按分类器第一意图计，不含此项）："
                f"{unclear.held_out_clarified}/{unclear.held_out_total}（{share:.1%}）"
            )
        lines.append("")
    if confusion_matrix is not None and confusion_matrix.is_file():
        lines.append(f"混淆矩阵：{confusion_matrix}")
    else:
        lines.append("混淆矩阵：未生成")
    return "\n".join(lines)


def run_evaluation(model: Path, data: Path, out: Path) -> None:
    """Run Rasa's NLU evaluation of ``model`` on ``data``, writing reports and plots to ``out``.

    Raises:
        ReportError: the model or data file does not exist, or no intent report was written.
    """
    if not model.is_file():
        raise ReportError(f"找不到模型 {model}，请先训练（make train）")
    if not data.is_file():
        raise ReportError(f"找不到测试集 {data}")
    import asyncio
    import os

    import matplotlib

    # Rasa must never phone home (the service runs on closed networks), whatever ~/.config/rasa says.
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"

    matplotlib.use("Agg")  # no display on servers and in CI
    from rasa.model_testing import test_nlu
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # The per-message debug log of the processor would bury the report.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    out.mkdir(parents=True, exist_ok=True)
    arguments = {"successes": False, "errors": False, "disable_plotting": False}
    asyncio.run(test_nlu(str(model), str(data), str(out), arguments))
    if not (out / "intent_report.json").is_file():
        raise ReportError(f"评测没有生成 {out / 'intent_report.json'}")


def _load_nlu(path: Path) -> Any:
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry of ``python -m evaluation.nlu_report``."""
    parser = argparse.ArgumentParser(description="NLU 留出集评测报告")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--data", type=Path, default=HELD_OUT)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--unclear", type=Path, default=UNCLEAR)
    parser.add_argument("--min-macro-f1", type=float, default=0.90)
    parser.add_argument("--min-unclear-rate", type=float, default=0.80)
    parser.add_argument("--skip-run", action="store_true", help="只读取 --out 中已有的报告，不重新评测")
    args = parser.parse_args(argv)
    try:
        if not args.skip_run:
            run_evaluation(args.model, args.data, args.out)
            held_out = [example.get("text") for example in _load_nlu(args.data).intent_examples]
            write_unclear_report(check_unclear(args.model, read_unclear_messages(args.unclear), held_out), args.out)
        intents = read_intent_report(args.out)
    except ReportError as error:
        print(f"失败：{error}", file=sys.stderr)
        return 2
    entities = read_entity_scores(args.out)
    unclear = read_unclear_report(args.out)
    matrix = args.out / "intent_confusion_matrix.png"
    print(format_report(intents, entities, matrix, args.min_macro_f1, unclear, args.min_unclear_rate))
    failed = False
    if intents.macro_f1 < args.min_macro_f1:
        print(f"失败：意图宏平均 F1 {intents.macro_f1:.3f} 低于 {args.min_macro_f1:.2f}", file=sys.stderr)
        failed = True
    if unclear is not None and unclear.rate < args.min_unclear_rate:
        print(f"失败：含糊消息转入澄清的比例 {unclear.rate:.0%} 低于 {args.min_unclear_rate:.0%}", file=sys.stderr)
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
