"""The embedded Postgres starts from a checkout only its owner may enter.

As root, the server runs as its own system user, which cannot traverse a 0700 directory such
as a `mktemp -d` holding the checkout (and its .venv with the binaries). These tests put both
the binaries and the cluster under 0700 parents, as such a clone does.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pg8000.native
import pytest

from infra.local.postgres import LocalPostgres, _package_install, server_install
from tests.conftest import state_dir

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another user"),
]


def test_postgres_runs_from_binaries_and_data_under_private_parents() -> None:
    private_checkout = Path(tempfile.mkdtemp(prefix="agenda-test-checkout-"))
    private_state = Path(tempfile.mkdtemp(prefix="agenda-test-private-state-"))
    try:
        assert stat.S_IMODE(private_checkout.stat().st_mode) == 0o700
        # The wheel's layout: the package's pginstall/ and its vendored libraries beside it.
        package = _package_install().parent
        site = private_checkout / ".venv" / "site-packages"
        install = site / package.name / "pginstall"
        shutil.copytree(package / "pginstall", install, symlinks=True)
        libs = package.with_name(f"{package.name}.libs")
        shutil.copytree(libs, site / libs.name, symlinks=True)
        postgres = LocalPostgres(private_state / "nested" / "postgres", install_dir=install)
        with postgres:
            user, rest = postgres.url.removeprefix("postgresql://").split(":", 1)
            password = rest.split("@", 1)[0]
            conn = pg8000.native.Connection(
                user, password=password, host="127.0.0.1", port=postgres.port, database="agenda"
            )
            try:
                assert conn.run("SELECT 1") == [[1]]
            finally:
                conn.close()
        # The binaries ran from a copy: the checkout's privacy is left as it was.
        assert stat.S_IMODE(private_checkout.stat().st_mode) == 0o700
    finally:
        shutil.rmtree(private_checkout, ignore_errors=True)
        shutil.rmtree(private_state, ignore_errors=True)


def test_server_install_is_a_root_owned_copy_everyone_may_run() -> None:
    source = state_dir("agenda-test-fake-install-") / "pginstall"
    (source / "bin").mkdir(parents=True)
    (source / "bin" / "postgres").write_text("#!/bin/sh\n")
    (source / "bin" / "postgres").chmod(0o700)
    (source / "share").mkdir()
    (source / "share" / "postgres.bki").write_text("data")
    (source / "share" / "postgres.bki").chmod(0o600)
    copies: list[Path] = []
    try:
        copy = server_install(source)
        copies.append(copy.parents[1])
        assert copy != source
        for parent in [copy, *copy.parents]:
            assert parent.stat().st_mode & 0o001, f"{parent} is not traversable by others"
        assert stat.S_IMODE((copy / "bin" / "postgres").stat().st_mode) == 0o755
        assert stat.S_IMODE((copy / "share" / "postgres.bki").stat().st_mode) == 0o644
        made = copy.parents[1]
        assert made.stat().st_uid == 0
        assert not made.stat().st_mode & 0o022
        assert server_install(source) == copy  # made once, then reused

        # A directory of the copy's name that someone else owns is never used.
        os.chown(made, 65534, 65534)
        other = server_install(source)
        copies.append(other.parents[1])
        assert other.parents[1] != made
        assert other.parents[1].stat().st_uid == 0
    finally:
        shutil.rmtree(source.parent, ignore_errors=True)
        for made in copies:
            shutil.rmtree(made, ignore_errors=True)
