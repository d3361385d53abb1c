"""In-process Lambda emulation: containers that each run one invocation at a time.

A container is a fresh copy of a function's `app` module, with its own module-scope state
(database connection, clients), exactly as on Lambda. When every container of a function is
busy, a new one starts cold; idle ones are reused warm.

A function reads its settings from the stack's environment, given to Lambdas: its module is
imported and each invocation runs inside `agenda.settings.using_environment(environment)`, so
settings read at import, lazily built clients and secrets all see it, while the process's own
os.environ (the test runner's, `make dev`'s) is left as it was.
"""

from __future__ import annotations

import importlib.util
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from agenda.settings import using_environment
from infra.local.template import Function

_container_ids = itertools.count(1)


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"
        )
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _load(function: Function) -> ModuleType:
    path = Path(function.code_uri) / f"{function.handler.rsplit('.', 1)[0]}.py"
    name = f"lambda_{function.logical_id}_{next(_container_ids)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FunctionPool:
    """The containers of one function."""

    def __init__(
        self, function: Function, environment: Mapping[str, str], max_containers: int = 64
    ) -> None:
        self.function = function
        self._environment = dict(environment)
        self._idle: list[ModuleType] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_containers)

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._slots, using_environment(self._environment):
            with self._lock:
                module = self._idle.pop() if self._idle else None
            if module is None:
                module = _load(self.function)
            try:
                handler: Callable[[dict[str, Any], Any], Any] = getattr(
                    module, self.function.handler.rsplit(".", 1)[1]
                )
                context = LambdaContext(
                    function_name=self.function.logical_id,
                    memory_limit_in_mb=self.function.memory,
                    timeout_seconds=self.function.timeout,
                )
                return handler(event, context)
            finally:
                with self._lock:
                    self._idle.append(module)


class Lambdas:
    """Every function of the stack, by logical id."""

    def __init__(self, functions: dict[str, Function], environment: Mapping[str, str]) -> None:
        self._pools = {
            name: FunctionPool(function, environment) for name, function in functions.items()
        }

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        return self._pools[logical_id].invoke(event)
