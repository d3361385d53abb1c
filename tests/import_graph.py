"""Python packages read as graphs of their imports, for the tests that hold the layers apart.

Every import counts: at module level, under ``if TYPE_CHECKING:`` or inside a function (a lazy
import of a module that imports this one back is still a cycle, only found later).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import; "from a.b import c" names a.b and a.b.c, since
    c may be a module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def module_name(path: Path, package_dir: Path, package: str) -> str:
    name = ".".join((package, *path.relative_to(package_dir).with_suffix("").parts))
    return name.removesuffix(".__init__")


def graph(package_dir: Path, package: str) -> dict[str, set[str]]:
    """Each module of the package, with the package's modules it imports."""
    found = {
        module_name(path, package_dir, package): {module for _, module in imports(path)}
        for path in package_dir.rglob("*.py")
    }
    for name, targets in found.items():
        targets.intersection_update(found)
        targets.discard(name)
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk meets, as the modules along it."""
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                found.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found
