"""Apply the SQL migrations in infra/migrations in order, once each.

Each file runs in its own transaction together with its record in schema_migrations, under a
transaction-scoped advisory lock so two runners never interleave. A file whose checksum no
longer matches what was applied is an error: applied migrations are never edited.

Usage: python -m infra.migrate [DATABASE_URL]   (default: $DATABASE_URL, else .local/env.json's)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pg8000.native

from infra.local.defaults import ENV_FILE, read_env_file

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same for every runner.
_LOCK_KEY = 727_366_001


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    return [Migration(path.stem, path.read_text()) for path in sorted(directory.glob("*.sql"))]


def connect(url: str) -> pg8000.native.Connection:
    parts = urlsplit(url)
    return pg8000.native.Connection(
        user=unquote(parts.username or ""),
        password=unquote(parts.password or "") or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        database=parts.path.lstrip("/") or None,
        application_name="agenda-migrate",
    )


def migrate(url: str, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is missing; return the versions applied by this call."""
    pending = discover() if migrations is None else migrations
    conn = connect(url)
    try:
        conn.run(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        applied_now: list[str] = []
        for migration in pending:
            conn.run("BEGIN")
            try:
                conn.run("SELECT pg_advisory_xact_lock(:key)", key=_LOCK_KEY)
                rows = conn.run(
                    "SELECT checksum FROM schema_migrations WHERE version = :version",
                    version=migration.version,
                )
                if rows:
                    if rows[0][0] != migration.checksum:
                        raise RuntimeError(
                            f"migration {migration.version} changed after it was applied"
                        )
                    conn.run("COMMIT")
                    continue
                conn.execute_simple(migration.sql)
                conn.run(
                    "INSERT INTO schema_migrations (version, checksum) VALUES (:v, :c)",
                    v=migration.version,
                    c=migration.checksum,
                )
                conn.run("COMMIT")
                applied_now.append(migration.version)
            except BaseException:
                conn.run("ROLLBACK")
                raise
        return applied_now
    finally:
        conn.close()


def database_argument(parser: argparse.ArgumentParser) -> None:
    """The DATABASE_URL argument of the tools that take one (migrate, seed)."""
    parser.add_argument(
        "database_url",
        nargs="?",
        default="",
        metavar="DATABASE_URL",
        help="postgresql://USER:PASSWORD@HOST:PORT/DB (default: $DATABASE_URL, else the local "
        "stack's, from --env-file)",
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        default=ENV_FILE,
        help="the environment make dev writes (default: .local/env.json)",
    )


def chosen_database_url(args: argparse.Namespace) -> str:
    url: str = args.database_url or os.environ.get("DATABASE_URL", "")
    return url or read_env_file(args.env_file).get("DATABASE_URL", "")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.migrate", description="Apply the pending SQL migrations."
    )
    database_argument(parser)
    url = chosen_database_url(parser.parse_args(argv))
    if not url:
        parser.error("no DATABASE_URL: pass one, set it, or start make dev")
    applied = migrate(url)
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
