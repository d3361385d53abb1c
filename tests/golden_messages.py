"""The golden files of the message templates, one folder per language: the cases, how a case is
rendered and written down, and the checks every language's test module runs on its folder.

A change of wording is made on purpose: edit the language's module, then run its test module
with UPDATE_GOLDEN=1 and review `git diff tests/unit/golden/`. Without UPDATE_GOLDEN=1 a missing
or different file fails the test; nothing is ever written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agenda.domain.messages import CHANNELS, TEMPLATES, Rendered, render

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@dataclass(frozen=True)
class Case:
    name: str
    template: str
    params: Mapping[str, Any]
    audience: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def all_params(self) -> dict[str, Any]:
        return {**self.params, **self.extra}


@dataclass(frozen=True)
class GoldenFolder:
    """The golden files of one language's cases."""

    folder: Path
    cases: Sequence[Case]

    def runs(self) -> list[Any]:
        return [
            pytest.param(case, channel, id=f"{case.name}.{channel}")
            for case in self.cases
            for channel in TEMPLATES[case.template].channels
        ]

    def path(self, case: Case, channel: str) -> Path:
        return self.folder / f"{case.name}.{channel}.txt"

    def check(self, case: Case, channel: str) -> None:
        """The case rendered on the channel is its golden file, to the byte."""
        actual = serialize(render_case(case, channel))
        path = self.path(case, channel)
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"no golden file {path.name}: run with UPDATE_GOLDEN=1 and review the diff")
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{path.name} differs; if the change is meant, see the docstring"

    def check_complete(self) -> None:
        """Every template has a case, and each case a file on every channel of its template."""
        for name, template in TEMPLATES.items():
            cases = [case for case in self.cases if case.template == name]
            assert cases, f"{name} has no golden case in {self.folder.name}"
            for channel in template.channels:
                assert UPDATE or all(self.path(case, channel).exists() for case in cases), (
                    f"{name} on {channel} has no golden file in {self.folder.name}"
                )

    def check_no_stale(self) -> None:
        """No file is left of a case that is gone."""
        expected = {self.path(case, channel).name for case in self.cases for channel in CHANNELS}
        stale = [path for path in self.folder.glob("*.txt") if path.name not in expected]
        if UPDATE:
            for path in stale:
                path.unlink()
            return
        assert not stale, f"golden files without a case: {sorted(p.name for p in stale)}"

    def check_cases(self) -> None:
        assert all(case.template in TEMPLATES for case in self.cases)
        assert len({case.name for case in self.cases}) == len(self.cases)


def render_case(case: Case, channel: str) -> Rendered:
    return render(case.template, channel, case.all_params(), audience=case.audience)


def serialize(rendered: Rendered) -> str:
    html = "(none)\n" if rendered.html is None else rendered.html
    return (
        f"subject: {rendered.subject}\n----- text -----\n{rendered.text}\n----- html -----\n{html}"
    )
