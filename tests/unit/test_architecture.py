"""The layers of docs/architecture.md, held by reading every import of the layer and functions.

Imports under ``if TYPE_CHECKING:`` count too: a type from a layer the code may not use is a
dependency on it all the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.paths import ROOT
from tests.import_graph import cycles, graph, imports

pytestmark = pytest.mark.unit

AGENDA = ROOT / "layers" / "common" / "python" / "agenda"
FUNCTIONS = ROOT / "functions"

# What each part of the layer may import from the others (the standard library and third
# parties are not judged here). A module of a part may always import its own part.
ALLOWED: dict[str, set[str]] = {
    # Pure rules: nothing but themselves (pagination's cursor and limit rules are pure too).
    "domain": {"agenda.pagination"},
    # Use cases: the domain, their own ports and records, and the cross-cutting modules.
    "service": {
        "agenda.domain",
        "agenda.contract",
        "agenda.observability",
        "agenda.pagination",
        "agenda.settings",
    },
    # The outside world: the ports they implement and the records they build, never a use case.
    "adapters": {
        "agenda.domain",
        "agenda.service.ports",
        "agenda.service.records",
        "agenda.observability",
        "agenda.settings",
    },
    "wiring": {"agenda.adapters", "agenda.service", "agenda.domain", "agenda.settings"},
    "contract": {"agenda.domain", "agenda.pagination"},
    "http": {"agenda.domain", "agenda.observability"},
    "pagination": {"agenda.domain"},
    "observability": set(),
    "settings": set(),
}
# A function is settings, a router and one call per route: it builds nothing itself.
FUNCTION_ALLOWED = {
    "agenda.wiring",
    "agenda.http",
    "agenda.observability",
    "agenda.service",
    "agenda.settings",
    "agenda.domain",
}


def part_of(path: Path) -> str:
    relative = path.relative_to(AGENDA)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def allowed(module: str, prefixes: set[str]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def test_each_layer_imports_only_what_it_may() -> None:
    wrong = []
    for path in sorted(AGENDA.rglob("*.py")):
        part = part_of(path)
        if part == "__init__":
            continue
        may = ALLOWED[part] | {f"agenda.{part}"}
        for line, module in imports(path):
            if module.startswith("agenda") and not allowed(module, may):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert wrong == []


def test_functions_only_ask_the_wiring_for_their_dependencies() -> None:
    wrong = []
    handlers = sorted(FUNCTIONS.glob("*/app.py"))
    assert len(handlers) >= 13
    for path in handlers:
        for line, module in imports(path):
            if module.startswith("agenda") and not allowed(module, FUNCTION_ALLOWED):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert wrong == []


def test_services_never_reach_a_connection_or_a_row() -> None:
    for path in sorted((AGENDA / "service").glob("*.py")):
        text = path.read_text()
        for marker in ("repo.db", ".db.transaction", 'row["', "Transaction", "pg8000"):
            assert marker not in text, f"{path.name} mentions {marker}"


def test_the_layer_has_no_import_cycle() -> None:
    assert cycles(graph(AGENDA, "agenda")) == []
