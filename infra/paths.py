"""Where the repository is: the one definition every tool and the local stack read."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
LAYER = ROOT / "layers" / "common" / "python"
