"""Where `make dev` keeps its state, and the environment file the operator tools read.

`python -m infra.local.dev` writes the functions' environment (endpoints, queue URLs, the
database URL, the local keys) to STATE_DIR/env.json; `infra.dlq`, `infra.migrate`,
`infra.seed`, `infra.local.consumer` and `infra.local.auth` read it by default, so each runs
from the repository root with no variables set.
"""

from __future__ import annotations

import json
from pathlib import Path

from infra.paths import ROOT

STATE_DIR = ROOT / ".local"
ENV_FILE = STATE_DIR / "env.json"


def read_env_file(path: Path) -> dict[str, str]:
    """The environment in `path`; {} when there is no such file (no stack started there)."""
    try:
        loaded = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a JSON object")
    return {str(key): str(value) for key, value in loaded.items()}
