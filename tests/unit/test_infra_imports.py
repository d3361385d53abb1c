"""infra/ (the tools and the local stack) read as a graph of imports: no cycle, one root."""

from __future__ import annotations

import ast

import pytest

from infra.paths import ROOT
from tests.import_graph import cycles, graph

pytestmark = pytest.mark.unit

INFRA = ROOT / "infra"


def infra_graph() -> dict[str, set[str]]:
    return graph(INFRA, "infra")


def test_the_graph_sees_the_local_stack() -> None:
    graph = infra_graph()
    assert "infra.local.consumer" in graph["infra.local.stack"]
    assert "infra.local.stripe.objects" in graph["infra.local.stripe.api"]


def test_infra_has_no_import_cycle() -> None:
    assert cycles(infra_graph()) == []


def test_the_repository_root_is_defined_once() -> None:
    defining = []
    for path in INFRA.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == "ROOT" for t in targets):
                defining.append(str(path.relative_to(ROOT)))
    assert defining == ["infra/paths.py"]
