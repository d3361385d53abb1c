"""An Upstash-compatible Redis REST endpoint on 127.0.0.1, backed by fakeredis with Lua.

The protocol, as upstash-redis and upstash-ratelimit use it:
- POST / with a JSON array of arguments -> {"result": ...}, or {"error": "..."} with 400;
  GET /cmd/arg1/arg2 (path style, as with curl) works too;
- POST /pipeline and POST /multi-exec take an array of arrays and answer an array of
  {"result"} / {"error"} objects; /multi-exec runs them as one MULTI/EXEC;
- Authorization: Bearer <token> (or ?_token=), else 401 {"error": "Unauthorized"};
- JSON numbers, booleans and null in a command are sent as their JSON text ("1.5", "true",
  "null"), numbers exactly as written;
- every request gets an answer: a failure the REST layer did not expect is a 500
  {"error": "..."}, never a dropped connection;
- with Upstash-Encoding: base64, every string in a result is base64 (recursively), except
  the simple string "OK"; integers and null stay raw.

Redis 7 and fakeredis reject the `#!lua flags=...` shebang upstash-ratelimit puts on its
scripts, so EVAL and SCRIPT LOAD run the script with that line blanked, and EVALSHA of the
original script's SHA1 (what SCRIPT LOAD answers, as on Upstash) runs the stored one.
EVAL_RO and EVALSHA_RO, which fakeredis lacks, run the script as a function registered with
the `no-writes` flag (FUNCTION LOAD, then FCALL_RO), so a write in it fails with Redis's own
"Write commands are not allowed from read-only scripts" and changes nothing; EVALSHA_RO needs
the script to have been sent before (EVAL, EVAL_RO or SCRIPT LOAD), else NOSCRIPT.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import fakeredis
from redis.connection import Connection
from redis.exceptions import ResponseError

from infra.local._http import JsonRequestHandler, LocalHttpService

logger = logging.getLogger(__name__)

Command = list[str]

_CONNECTION_STATE_COMMANDS = frozenset(
    {
        *("AUTH", "CLIENT", "HELLO", "MONITOR", "QUIT", "RESET", "SELECT"),
        *("MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"),
        *("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"),
    }
)


class CommandError(Exception):
    """A command the REST layer refuses before it reaches Redis."""


class LocalUpstash(LocalHttpService):
    def __init__(self, token: str, port: int = 0) -> None:
        super().__init__(port)
        self.token = token
        # RESP2, as Upstash answers: flat arrays, no maps or doubles.
        self._redis = fakeredis.FakeRedis(server=fakeredis.FakeServer(), protocol=2)
        # SHA1 of a script as sent (shebang included) -> SHA1 of what fakeredis runs.
        self._script_shas: dict[str, str] = {}
        # SHA1 of a script as sent -> what fakeredis runs, for EVALSHA_RO.
        self._scripts: dict[str, str] = {}
        self._shas_lock = threading.Lock()

    def handler_class(self) -> type[JsonRequestHandler]:
        return _UpstashHandler

    def flushall(self) -> None:
        """Empties the store between tests."""
        self._redis.flushall()

    # -- execution -------------------------------------------------------------------------

    def execute(self, command: Command) -> Any:
        """Runs one command; raises ResponseError or CommandError as Redis would answer."""
        with self._connection() as conn:
            return self._send(conn, command)

    def pipeline(self, commands: list[Command]) -> list[dict[str, Any]]:
        """Runs the commands one by one; a failed command does not stop the others."""
        outcomes: list[dict[str, Any]] = []
        with self._connection() as conn:
            for command in commands:
                try:
                    outcomes.append({"result": self._send(conn, command)})
                except (ResponseError, CommandError) as exc:
                    outcomes.append({"error": _error_text(exc)})
        return outcomes

    def multi_exec(self, commands: list[Command]) -> list[dict[str, Any]]:
        """Queues the commands between MULTI and EXEC on one connection; EXEC runs them
        atomically. A command Redis refuses to queue aborts the whole transaction."""
        with self._connection() as conn:
            _raw(conn, "MULTI")
            try:
                for command in commands:
                    self._send(conn, command)
            except (ResponseError, CommandError):
                _raw(conn, "DISCARD")
                raise
            replies = _raw(conn, "EXEC")
        return [
            {"error": _error_text(r)} if isinstance(r, ResponseError) else {"result": r}
            for r in replies
        ]

    def _connection(self) -> _PooledConnection:
        return _PooledConnection(self._redis)

    def _send(self, conn: Connection, command: Command) -> Any:
        return _raw(conn, *self._rewrite(command))

    def _rewrite(self, command: Command) -> Command:
        if not command:
            raise CommandError("ERR empty command")
        name = command[0].upper()
        if name in _CONNECTION_STATE_COMMANDS:
            # Each request borrows a pooled connection: state left on it would leak.
            raise CommandError(f"ERR Command is not available over REST: '{command[0]}'")
        if name == "EVAL" and len(command) > 1:
            return ["EVAL", self._runnable(command[1]), *command[2:]]
        if name == "EVALSHA" and len(command) > 1:
            return ["EVALSHA", self._sha(command[1]), *command[2:]]
        if name == "EVAL_RO" and len(command) > 1:
            return ["FCALL_RO", self._read_only(self._runnable(command[1])), *command[2:]]
        if name == "EVALSHA_RO" and len(command) > 1:
            with self._shas_lock:
                script = self._scripts.get(command[1].lower())
            if script is None:
                raise CommandError("NOSCRIPT No matching script. Please use EVAL.")
            return ["FCALL_RO", self._read_only(script), *command[2:]]
        if name == "SCRIPT" and len(command) > 1:
            sub = command[1].upper()
            if sub == "LOAD" and len(command) == 3:
                stripped = self._runnable(command[2])
                self._redis.execute_command("SCRIPT", "LOAD", stripped)
                return ["ECHO", _sha1(command[2])]  # what Upstash answers: the script's own SHA
            if sub == "EXISTS":
                return ["SCRIPT", "EXISTS", *(self._sha(s) for s in command[2:])]
            if sub == "FLUSH":
                with self._shas_lock:
                    self._script_shas.clear()
                    self._scripts.clear()
        return command

    def _runnable(self, script: str) -> str:
        runnable = script
        if script.startswith("#!lua"):
            # Blank the shebang rather than drop it, so line numbers in Lua errors still match.
            runnable = "\n" + script.split("\n", 1)[1] if "\n" in script else ""
        with self._shas_lock:
            if runnable != script:
                self._script_shas[_sha1(script)] = _sha1(runnable)
            self._scripts[_sha1(script)] = runnable
        return runnable

    def _read_only(self, runnable: str) -> str:
        """Registers the script as a read-only function and answers its name."""
        name = f"ro_{_sha1(runnable)}"
        # The body starts on the function's line, one line below where the script had it.
        library = (
            f"#!lua name={name}\n"
            f"redis.register_function{{function_name='{name}', flags={{'no-writes'}}, "
            f"callback=function(KEYS, ARGV) {runnable}\nend}}"
        )
        self._redis.execute_command("FUNCTION", "LOAD", "REPLACE", library)
        return name

    def _sha(self, sha: str) -> str:
        with self._shas_lock:
            return self._script_shas.get(sha.lower(), sha)


class _PooledConnection:
    """A connection of the fakeredis pool for one request, returned to it afterwards."""

    def __init__(self, redis: fakeredis.FakeRedis) -> None:
        self._pool = redis.connection_pool
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        self._conn = self._pool.get_connection()
        return self._conn

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self._conn is None:
            return
        if exc_type is not None and not issubclass(exc_type, ResponseError | CommandError):
            # Failed mid-command: a reply may be left unread on it.
            self._conn.disconnect()
        self._pool.release(self._conn)


def _raw(conn: Connection, *args: str) -> Any:
    conn.send_command(*args)
    return conn.read_response()


def _error_text(exc: Exception) -> str:
    # redis-py strips the error code (ERR, NOSCRIPT, ...) off the message and keeps it apart.
    code = getattr(exc, "status_code", None)
    return f"{code} {exc}" if code else str(exc)


def _sha1(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA1


def _to_json(value: Any, base64_strings: bool) -> Any:
    if isinstance(value, bytes):
        if value == b"OK":
            return "OK"
        if base64_strings:
            return base64.b64encode(value).decode("ascii")
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list):
        return [_to_json(item, base64_strings) for item in value]
    if isinstance(value, ResponseError):
        return _error_text(value)
    return value


def _parse_json(body: bytes) -> Any:
    """The decoded body, numbers kept as the text they were written as; ValueError if not JSON."""
    return json.loads(body or b"null", parse_int=str, parse_float=str)


_JSON_CONSTANTS: dict[Any, str] = {True: "true", False: "false", None: "null"}


def _as_command(value: Any) -> Command:
    if not isinstance(value, list):
        raise CommandError("ERR failed to parse command")
    command: Command = []
    for arg in value:
        if isinstance(arg, bool) or arg is None:
            command.append(_JSON_CONSTANTS[arg])
        elif isinstance(arg, str | int | float):
            command.append(str(arg))
        else:
            raise CommandError("ERR failed to parse command")
    return command


class _UpstashHandler(JsonRequestHandler):
    service: ClassVar[LocalUpstash]

    _answered = False

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's dispatch name
        self._answering(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._answering(self._post)

    def _answering(self, serve: Callable[[], None]) -> None:
        try:
            serve()
        except Exception as exc:
            if self._answered:
                raise  # the answer was on its way: the client is gone
            logger.exception("upstash stand-in failed on %s %s", self.command, self.path)
            self._answer(500, {"error": f"ERR internal error: {type(exc).__name__}"})

    def _get(self) -> None:
        if not self._authorized():
            return
        parts = [unquote(p) for p in urlsplit(self.path).path.split("/") if p]
        self._single(parts)

    def _post(self) -> None:
        if not self._authorized():
            return
        path = urlsplit(self.path).path.rstrip("/")
        if path not in ("", "/pipeline", "/multi-exec"):
            # Path style, the raw body (if any) being the last argument, as Upstash accepts.
            parts = [unquote(p) for p in path.split("/") if p]
            try:
                body = self.read_body()
            except ValueError:  # a Content-Length that is not a number
                self._answer(400, {"error": "ERR failed to parse command"})
                return
            self._single([*parts, body.decode("utf-8", "replace")] if body else parts)
            return
        try:
            commands = _parse_json(self.read_body())
        except ValueError:
            self._answer(400, {"error": "ERR failed to parse command"})
            return
        if path == "":
            self._single(commands)
        else:
            self._batch(path, commands)

    def _single(self, raw: Any) -> None:
        try:
            result = self.service.execute(_as_command(raw))
        except (ResponseError, CommandError) as exc:
            self._answer(400, {"error": _error_text(exc)})
            return
        self._answer(200, {"result": result})

    def _batch(self, path: str, raw: Any) -> None:
        try:
            if not isinstance(raw, list) or not raw:
                raise CommandError("ERR failed to parse pipeline request")
            commands = [_as_command(item) for item in raw]
            if path == "/pipeline":
                outcomes = self.service.pipeline(commands)
            else:
                outcomes = self.service.multi_exec(commands)
        except (ResponseError, CommandError) as exc:
            self._answer(400, {"error": _error_text(exc)})
            return
        self._answer(200, outcomes)

    def _answer(self, status: int, payload: Any) -> None:
        self._answered = True
        encoded = (self.headers.get("Upstash-Encoding") or "").lower() == "base64"
        if isinstance(payload, dict) and "result" in payload:
            payload = {"result": _to_json(payload["result"], encoded)}
        elif isinstance(payload, list):
            payload = [
                {"result": _to_json(o["result"], encoded)} if "result" in o else o for o in payload
            ]
        self.send_json(status, payload)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization") or ""
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        if not token:
            token = (parse_qs(urlsplit(self.path).query).get("_token") or [""])[0]
        if token and hmac.compare_digest(token.encode(), self.service.token.encode()):
            return True
        self._answered = True
        self.send_json(401, {"error": "Unauthorized"})
        return False
