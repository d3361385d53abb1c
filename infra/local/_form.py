"""Stripe's form encoding, decoded: `a[b][0][c]=v` becomes {"a": {"b": [{"c": "v"}]}}.

The client library writes nested dicts as `key[sub]` and every list with explicit indexes
(`key[0]`, `key[1]`); older clients write `key[]=v` for lists of scalars, accepted too.
A mapping whose keys are exactly "0".."n-1" becomes a list. Every leaf stays a string, as on
the wire: the endpoint decides what is an integer or a boolean.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_NAME = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_MAX_FIELDS = 2000


def decode_form(body: bytes | str) -> dict[str, Any]:
    """The nested params of an x-www-form-urlencoded body or query; ValueError when a key is
    malformed or two keys disagree on a value's shape (`a=1&a[b]=2`)."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    root: dict[str, Any] = {}
    pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    for key, value in pairs:
        _assign(root, _path(key), value, key)
    return _listify(root)


def _path(key: str) -> list[str]:
    match = _NAME.fullmatch(key)
    if match is None:
        raise ValueError(f"Invalid parameter name: {key}")
    path = [match.group(1), *_SEGMENT.findall(match.group(2))]
    if "" in path[:-1]:
        raise ValueError(f"Invalid parameter name: {key} (`[]` only ends a name)")
    return path


def _assign(root: dict[str, Any], path: list[str], value: str, key: str) -> None:
    node = root
    for segment in path[:-1]:
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            raise ValueError(f"Conflicting values for parameter {key}")
        node = child
    last = path[-1]
    if last == "":
        last = str(len(node))  # `key[]=v`: the next index
    if isinstance(node.get(last), dict):
        raise ValueError(f"Conflicting values for parameter {key}")
    node[last] = value


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {k: _listify(v) for k, v in value.items()}
    if converted and set(converted) == {str(i) for i in range(len(converted))}:
        return [converted[str(i)] for i in range(len(converted))]
    return converted
