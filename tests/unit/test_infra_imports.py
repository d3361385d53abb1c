"""infra/ (the tools and the local stack) read as a graph of imports: no cycle, one root.

Every import counts, at module level, under ``if TYPE_CHECKING:`` or inside a function: a
lazy import of a module that imports this one back is still a cycle, only found later.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from infra.paths import ROOT

pytestmark = pytest.mark.unit

INFRA = ROOT / "infra"


def module_name(path: Path) -> str:
    name = ".".join(("infra", *path.relative_to(INFRA).with_suffix("").parts))
    return name.removesuffix(".__init__")


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # "from infra.local import stripe" imports the module infra.local.stripe.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def infra_graph() -> dict[str, set[str]]:
    graph = {module_name(path): imported(path) for path in INFRA.rglob("*.py")}
    for name, targets in graph.items():
        targets.intersection_update(graph)
        targets.discard(name)
    return graph


def test_the_graph_sees_the_local_stack() -> None:
    graph = infra_graph()
    assert "infra.local.consumer" in graph["infra.local.stack"]
    assert "infra.local.stripe.objects" in graph["infra.local.stripe.api"]


def test_infra_has_no_import_cycle() -> None:
    graph = infra_graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_repository_root_is_defined_once() -> None:
    defining = []
    for path in INFRA.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == "ROOT" for t in targets):
                defining.append(str(path.relative_to(ROOT)))
    assert defining == ["infra/paths.py"]
