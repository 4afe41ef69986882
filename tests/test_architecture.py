"""The layers hold: no import cycles, and each layer imports only what the README's architecture section allows.

The import graph is read from the source with :mod:`ast` (every ``import`` in a module, including those inside
functions, except the ones under ``if TYPE_CHECKING:``), so a cycle is caught even when it would only show at
run time. ``make test`` runs this file with the rest of pytest.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("actions", "bot", "policy_kb", "evaluation")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str, modules: set[str]) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules
            # ``from bot import settings`` imports the module bot.settings; ``from bot.x import y`` imports bot.x.
            found.update(submodules or {base})
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    files = {
        _module_name(p): p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.parts or p.parent.name == "versions"
    }
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = _imports(ast.parse(path.read_text(encoding="utf-8")), package, set(files))
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


GRAPH = _graph()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_is_read() -> None:
    assert "bot.cases.sql_store" in GRAPH["bot.cases"]
    assert "policy_kb.vocabulary" in GRAPH["bot.cases.records"]


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _importers(prefix: str) -> dict[str, set[str]]:
    return {m: t for m, t in GRAPH.items() if m == prefix or m.startswith(prefix + ".")}


def _ours(targets: set[str]) -> set[str]:
    return {t for t in targets if t.split(".")[0] in PACKAGES}


# (modules, what they may import of ours) — the layers of the README's architecture section.
LAYERS = [
    ("policy_kb.vocabulary", ()),
    ("policy_kb", ("policy_kb",)),
    ("bot.characters", ()),
    ("bot.clock", ()),
    ("bot.replies", ("bot.cases.records", "bot.privacy", "bot.validation", "policy_kb")),
    ("bot.privacy", ()),
    ("bot.settings", ()),
    ("bot.http_session", ()),
    ("bot.validation", ("bot.validation", "bot.characters", "policy_kb.vocabulary")),
    # The NLU reads the knowledge base (clause numbers and titles decide clause lookups: bot/nlu/overrides.py).
    ("bot.nlu", ("bot.nlu", "bot.characters", "bot.validation", "policy_kb")),
    (
        "bot.cases",
        (
            "bot.cases",
            "bot.validation",
            "bot.characters",
            "bot.privacy",
            "bot.clock",
            "bot.crypto",
            "bot.settings",
            "bot.sms",
            "bot.http_session",
            "policy_kb",
        ),
    ),
    ("bot.sms", ("bot.privacy", "bot.settings", "bot.http_session")),
    ("bot.channels", ("bot.channels", "bot.settings", "bot.privacy")),
    ("bot.rasa_runtime", ("bot.rasa_runtime",)),
]


@pytest.mark.parametrize(("layer", "allowed"), LAYERS, ids=[layer for layer, _ in LAYERS])
def test_layer_imports_only_what_it_may(layer: str, allowed: tuple[str, ...]) -> None:
    wrong = {
        f"{module} → {target}"
        for module, targets in _importers(layer).items()
        for target in _ours(targets)
        if not any(target == a or target.startswith(a + ".") for a in allowed)
    }
    assert not wrong, sorted(wrong)


def test_the_running_assistant_never_imports_the_evaluation_tools() -> None:
    runtime = {m: t for m, t in GRAPH.items() if not m.startswith("evaluation")}
    assert not {m for m, t in runtime.items() if any(x.startswith("evaluation") for x in t)}
