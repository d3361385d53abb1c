"""A local CloudFront KeyValueStore: the data-plane API botocore's `cloudfront-keyvaluestore`
client speaks (REST and JSON), for the site index (agenda/adapters/site_index.py) and the
gateway, which decides page paths from it as the edge function does.

    GET    /key-value-stores/{arn}               DescribeKeyValueStore (ETag header)
    GET    /key-value-stores/{arn}/keys          ListKeys (MaxResults, NextToken)
    POST   /key-value-stores/{arn}/keys          UpdateKeys (Puts, Deletes; If-Match)
    GET    /key-value-stores/{arn}/keys/{key}    GetKey
    PUT    /key-value-stores/{arn}/keys/{key}    PutKey (If-Match)
    DELETE /key-value-stores/{arn}/keys/{key}    DeleteKey (If-Match)

As the service does: every write names the store's current ETag in If-Match (another is a 409
ConflictException, none a 400), each write gives the store a new ETag, keys are 1 to 512 bytes,
values at most 1,024 and the whole store at most 5 MB, a missing key or store is a 404
ResourceNotFoundException, and a request must be signed with SigV4A (AWS4-ECDSA-P256-SHA256,
what botocore sends through awscrt): any other is a 403, so a missing awscrt shows here as it
would on AWS. Signatures are not verified (the credentials are the stack's dummy ones). The ARN
and the key are URL path segments, percent-encoded by the client. Stores live in memory: the
local stack writes their keys at every start.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from infra.local._http import JsonRequestHandler, LocalHttpService

ACCOUNT = "123456789012"
MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 1024
MAX_PAGE = 50
MAX_STORE_BYTES = 5 * 1024 * 1024
SIGV4A = "AWS4-ECDSA-P256-SHA256"


class KvsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Store:
    arn: str
    created: datetime
    items: dict[str, str] = field(default_factory=dict)
    version: int = 1
    modified: datetime | None = None

    @property
    def etag(self) -> str:
        return f"KV{self.version:014d}"

    @property
    def size(self) -> int:
        return sum(len(k.encode()) + len(v.encode()) for k, v in self.items.items())

    def summary(self) -> dict[str, Any]:
        return {"ItemCount": len(self.items), "TotalSizeInBytes": self.size}


def arn_for(name: str) -> str:
    # The service names a store by a UUID: this one is derived from the name, so a stack's
    # store has the same ARN at every start.
    return f"arn:aws:cloudfront::{ACCOUNT}:key-value-store/{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _checked_key(key: str) -> str:
    if not 1 <= len(key.encode("utf-8")) <= MAX_KEY_BYTES:
        raise KvsError(400, "ValidationException", f"a key is 1 to {MAX_KEY_BYTES} bytes")
    return key


def _checked_value(value: Any) -> str:
    if not isinstance(value, str) or len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        raise KvsError(
            400, "ValidationException", f"a value is a string of {MAX_VALUE_BYTES} bytes at most"
        )
    return value


def _within_limit(items: dict[str, str]) -> dict[str, str]:
    if sum(len(k.encode()) + len(v.encode()) for k, v in items.items()) > MAX_STORE_BYTES:
        raise KvsError(400, "ValidationException", "the key value store would be over 5 MB")
    return items


class LocalKeyValueStore(LocalHttpService):
    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self._stores: dict[str, Store] = {}
        self._lock = threading.Lock()

    def create(self, name: str) -> str:
        """A store named `name` (the one there already when it exists); answers its ARN."""
        arn = arn_for(name)
        with self._lock:
            self._stores.setdefault(arn, Store(arn=arn, created=datetime.now(UTC)))
        return arn

    def handler_class(self) -> type[JsonRequestHandler]:
        return _Handler

    # -- the operations ------------------------------------------------------------------------

    def _store(self, arn: str) -> Store:
        store = self._stores.get(arn)
        if store is None:
            raise KvsError(404, "ResourceNotFoundException", f"no key value store {arn}")
        return store

    @staticmethod
    def _expect(store: Store, if_match: str | None) -> None:
        if not if_match:
            raise KvsError(400, "ValidationException", "If-Match is required")
        if if_match != store.etag:
            raise KvsError(409, "ConflictException", "the key value store has changed")

    @staticmethod
    def _written(store: Store) -> tuple[dict[str, Any], dict[str, str]]:
        store.version += 1
        store.modified = datetime.now(UTC)
        return store.summary(), {"ETag": store.etag}

    def operate(
        self,
        operation: str,
        arn: str,
        key: str | None,
        query: dict[str, list[str]],
        body: Any,
        if_match: str | None,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """One operation (describe, list, update, get, put, delete) on the store `arn`: its
        answer and headers."""
        with self._lock:
            store = self._store(arn)
            if operation == "describe":
                described = {
                    **store.summary(),
                    "KvsARN": store.arn,
                    "Created": store.created.timestamp(),
                    "Status": "READY",
                }
                if store.modified is not None:
                    described["LastModified"] = store.modified.timestamp()
                return described, {"ETag": store.etag}
            if operation == "list":
                return self._list(store, query), {}
            if operation == "update":
                puts = [
                    (_checked_key(p["Key"]), _checked_value(p["Value"]))
                    for p in body.get("Puts") or []
                ]
                deletes = [_checked_key(d["Key"]) for d in body.get("Deletes") or []]
                self._expect(store, if_match)
                items = {k: v for k, v in store.items.items() if k not in deletes}
                store.items = _within_limit({**items, **dict(puts)})
                return self._written(store)
            assert key is not None
            _checked_key(key)
            if operation == "put":
                value = _checked_value(body.get("Value"))
                self._expect(store, if_match)
                store.items = _within_limit({**store.items, key: value})
                return self._written(store)
            if key not in store.items:
                raise KvsError(404, "ResourceNotFoundException", f"the key {key} was not found")
            if operation == "get":
                return {"Key": key, "Value": store.items[key], **store.summary()}, {}
            self._expect(store, if_match)
            del store.items[key]
            return self._written(store)

    @staticmethod
    def _list(store: Store, query: dict[str, list[str]]) -> dict[str, Any]:
        keys = sorted(store.items)
        try:
            size = int(query.get("MaxResults", ["10"])[0])
        except ValueError as exc:
            raise KvsError(400, "ValidationException", "MaxResults is a number") from exc
        if not 1 <= size <= MAX_PAGE:
            raise KvsError(400, "ValidationException", f"MaxResults is 1 to {MAX_PAGE}")
        after = query.get("NextToken", [""])[0]
        remaining = [k for k in keys if k > after] if after else keys
        page = remaining[:size]
        answer: dict[str, Any] = {"Items": [{"Key": k, "Value": store.items[k]} for k in page]}
        if len(remaining) > size:
            answer["NextToken"] = page[-1]
        return answer


# (method, what the path names) -> operation
_OPERATIONS = {
    ("GET", "store"): "describe",
    ("GET", "keys"): "list",
    ("POST", "keys"): "update",
    ("GET", "key"): "get",
    ("PUT", "key"): "put",
    ("DELETE", "key"): "delete",
}


class _Handler(JsonRequestHandler):
    service: ClassVar[LocalKeyValueStore]

    def _serve(self) -> None:
        try:
            answer, headers = self._operate()
        except KvsError as error:
            self.send_json(
                error.status, {"Message": error.message}, {"x-amzn-ErrorType": error.code}
            )
            return
        self.send_json(200, answer, headers)

    def _operate(self) -> tuple[dict[str, Any], dict[str, str]]:
        authorization = self.headers.get("Authorization") or ""
        if not authorization.startswith(SIGV4A):
            raise KvsError(403, "AccessDeniedException", f"requests are signed with {SIGV4A}")
        parts = urlsplit(self.path)
        # Split before decoding: the ARN and the key carry percent-encoded slashes.
        segments = [unquote(s) for s in parts.path.split("/")]
        if len(segments) < 3 or segments[:2] != ["", "key-value-stores"]:
            raise KvsError(404, "ResourceNotFoundException", f"no operation at {parts.path}")
        arn, rest = segments[2], segments[3:]
        key = rest[1] if len(rest) == 2 and rest[0] == "keys" else None
        shape = "store" if not rest else "keys" if rest == ["keys"] else "key" if key else ""
        operation = _OPERATIONS.get((self.command, shape))
        if operation is None:
            raise KvsError(404, "ResourceNotFoundException", f"no {self.command} {parts.path}")
        raw = self.read_body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError as exc:
            raise KvsError(400, "ValidationException", "the body is not JSON") from exc
        return self.service.operate(
            operation,
            arn,
            key,
            parse_qs(parts.query, keep_blank_values=True),
            body if isinstance(body, dict) else {},
            self.headers.get("If-Match"),
        )

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self._serve()

    def do_PUT(self) -> None:  # noqa: N802
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve()
