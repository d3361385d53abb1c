"""The Postgres connection of a function: one per container, reused, rebuilt when stale.

Behind RDS Proxy nothing here leaves session state behind (no SET, no named prepared
statements, no session advisory locks), so the proxy can multiplex connections freely.

A statement with parameters is one round trip: its Parse, Bind, Describe, Execute and Sync go
out together (pg8000's own `run` waits for the server after Parse and again after Describe,
three round trips). The statement and its portal are the unnamed ones, replaced by the next
statement, so nothing outlives it on the connection.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import pg8000.native
from pg8000 import core
from pg8000.converters import make_params
from pg8000.exceptions import DatabaseError, InterfaceError

from agenda.domain.errors import ServiceUnavailable, SlotTaken
from agenda.observability import logger

if TYPE_CHECKING:
    from agenda.settings import DatabaseSettings

T = TypeVar("T")

# Serialization failures and deadlocks: the whole transaction may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# The server ended the session (restart, failover, idle timeout at the proxy).
CONNECTION_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
EXCLUSION_VIOLATION = "23P01"
UNIQUE_VIOLATION = "23505"


def sqlstate(error: DatabaseError) -> str | None:
    details = error.args[0] if error.args else None
    return details.get("C") if isinstance(details, dict) else None


@contextmanager
def overlap_is_slot_taken(
    message: str = "This time was just taken, please choose another one",
) -> Iterator[None]:
    """The exclusion constraint refusing a statement (23P01, two live appointments of one
    professional overlapping) becomes SlotTaken; any other error goes on as it is."""
    try:
        yield
    except DatabaseError as exc:
        if sqlstate(exc) == EXCLUSION_VIOLATION:
            raise SlotTaken(message) from exc
        raise


def connection_lost(error: BaseException) -> bool:
    if isinstance(error, InterfaceError | OSError):
        return True
    if isinstance(error, DatabaseError):
        code = sqlstate(error) or ""
        return code in CONNECTION_LOST_SQLSTATES or code.startswith("08")
    return False


def _verified_tls() -> Any:
    import ssl

    return ssl.create_default_context()  # RDS Proxy's certificate chains to Amazon's public CA


class Database:
    def __init__(self, settings: DatabaseSettings, *, application_name: str = "agenda") -> None:
        self._settings = settings
        self._application_name = application_name
        self._conn: pg8000.native.Connection | None = None

    def _connect(self) -> pg8000.native.Connection:
        s = self._settings
        try:
            return pg8000.native.Connection(
                user=s.user,
                password=s.password.value() if s.password else None,
                host=s.host,
                port=s.port,
                database=s.name,
                timeout=s.connect_timeout_seconds,
                application_name=self._application_name,
                tcp_keepalive=True,
                # Explicit either way: pg8000's default tries TLS unverified, and loads the
                # CA store on every cold start even where the server will refuse it.
                ssl_context=_verified_tls() if s.tls else False,
            )
        except (InterfaceError, OSError) as exc:
            logger.error("database unreachable", extra={"error_type": type(exc).__name__})
            raise ServiceUnavailable("The database is not reachable right now") from exc

    def _connection(self) -> pg8000.native.Connection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):  # the socket may already be broken
                conn.close()

    def close(self) -> None:
        self._discard()

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Run one statement in autocommit; rows come back as dicts."""
        return self.transaction(lambda tx: tx.query(sql, **params), begin=False)

    def transaction(
        self,
        work: Callable[[Transaction], T],
        *,
        begin: bool = True,
        attempts: int = 3,
        max_statements: int | None = None,
    ) -> T:
        """Run `work` in one transaction, retried on serialization failures and deadlocks.
        Without `begin`, each statement is its own transaction; `max_statements` refuses any
        statement past that many before it is sent.

        A stale connection (the container was frozen, the proxy closed it) is replaced once,
        but only when nothing of this unit of work has reached the server yet.
        """
        for attempt in range(1, attempts + 1):
            conn = self._connection()
            tx = Transaction(conn, max_statements=max_statements)
            try:
                if begin:
                    tx.execute("BEGIN")
                result = work(tx)
                if begin:
                    tx.execute("COMMIT")
                return result
            except (InterfaceError, OSError, DatabaseError) as exc:
                if connection_lost(exc):
                    self._discard()
                    if tx.statements_sent <= 1 and attempt < attempts:
                        logger.info("reconnecting stale database connection")
                        continue
                    raise ServiceUnavailable("The database connection was lost") from exc
                self._rollback(conn, begin)
                retryable = isinstance(exc, DatabaseError) and sqlstate(exc) in RETRYABLE_SQLSTATES
                if retryable and attempt < attempts:
                    # Jittered backoff so the retried transactions do not collide again.
                    time.sleep(random.uniform(0.002, 0.010) * attempt)  # noqa: S311
                    continue
                raise
            except BaseException:
                self._rollback(conn, begin)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _rollback(self, conn: pg8000.native.Connection, begun: bool) -> None:
        if not begun:
            return
        try:
            conn.run("ROLLBACK")
        except (InterfaceError, DatabaseError):
            self._discard()


@lru_cache(maxsize=512)
def _statement(sql: str) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """The statement with $n placeholders for pg8000's :name ones (parsed once per text)."""
    statement, make_values = pg8000.native.to_statement(sql)
    return statement, make_values


def run(conn: pg8000.native.Connection, sql: str, params: dict[str, Any]) -> Any:
    """One statement in one round trip; its rows (None for a statement without any). The
    columns are the connection's `columns`, as after pg8000's `run`."""
    if not params:
        return conn.run(sql)  # the simple protocol: one round trip already
    statement, make_values = _statement(sql)
    if conn._sock is None:
        raise InterfaceError("connection is closed")
    context = core.Context(statement)
    conn.send_PARSE(core.NULL_BYTE, statement, ())
    conn.send_BIND(core.NULL_BYTE, make_params(conn.py_types, make_values(params)))
    conn._send_message(core.DESCRIBE, core.PORTAL + core.NULL_BYTE)
    conn.send_EXECUTE()
    core._write(conn._sock, core.SYNC_MSG)
    core._flush(conn._sock)
    conn._context = context
    conn.handle_messages(context)  # to ReadyForQuery; raises the server's error, if any
    return context.rows


class Transaction:
    """What a unit of work sees: statements on one connection, rows as dicts."""

    def __init__(
        self, conn: pg8000.native.Connection, *, max_statements: int | None = None
    ) -> None:
        self._conn = conn
        self._max_statements = max_statements
        self.statements_sent = 0

    def _count(self) -> None:
        if self._max_statements is not None and self.statements_sent >= self._max_statements:
            raise RuntimeError(f"this unit of work may send {self._max_statements} statement(s)")
        self.statements_sent += 1

    def execute(self, sql: str, **params: Any) -> None:
        self._count()
        run(self._conn, sql, params)

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        self._count()
        rows = run(self._conn, sql, params) or ()  # None for statements without a result
        columns = [column["name"] for column in self._conn.columns or ()]
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def one(self, sql: str, **params: Any) -> dict[str, Any] | None:
        rows = self.query(sql, **params)
        return rows[0] if rows else None

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A statement that may fail without ending the transaction: on a database error the
        work inside is undone, the error goes on, and the transaction stays usable."""
        self.execute("SAVEPOINT attempt")
        try:
            yield
        except Exception:
            self.execute("ROLLBACK TO SAVEPOINT attempt")
            raise
        self.execute("RELEASE SAVEPOINT attempt")
