"""Every `python -m infra...` entry point answers --help, from the repository root, with no
variables set; the operator tools find the local stack through .local/env.json by default."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.defaults import ENV_FILE
from infra.local.sqs import LocalSqs, ensure_queue_pair, sqs_client
from infra.paths import ROOT
from tests.conftest import CHILD_ENV, state_dir

pytestmark = pytest.mark.integration

# The environment of a plain shell in the repository: no PYTHONPATH, nothing of the stack's.
PLAIN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k != "PYTHONPATH" and not k.startswith(("NOTIFICATIONS_", "DATABASE_URL"))
}
# Needs the layer on the path before it imports infra.local (its owner's file): run with the
# Makefile's PYTHONPATH until it does.
NEEDS_PYTHONPATH = {"infra.openapi"}


def entry_points() -> list[str]:
    """Every module under infra/ with an `if __name__ == "__main__":` block."""
    found = []
    for path in sorted((ROOT / "infra").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:
            if (
                isinstance(node, ast.If)
                and isinstance(node.test, ast.Compare)
                and isinstance(node.test.left, ast.Name)
                and node.test.left.id == "__name__"
            ):
                found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_every_tool_is_found() -> None:
    assert {"infra.dlq", "infra.local.dev", "infra.local.auth", "infra.bench_jobs"} <= set(
        entry_points()
    )


@pytest.mark.parametrize("module", entry_points())
def test_help_answers_from_the_repository_root(module: str) -> None:
    env = CHILD_ENV if module in NEEDS_PYTHONPATH else PLAIN_ENV
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m " + module), done.stdout


def run_tool(module: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=PLAIN_ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dlq_lists_a_local_stack_from_its_env_file_alone(tmp_path: Path) -> None:
    # The default is the repository's .local/env.json, whatever the current directory.
    assert ENV_FILE == ROOT / ".local" / "env.json"
    missing = run_tool("infra.dlq", "list", "--env-file", str(tmp_path / "env.json"))
    assert missing.returncode == 2
    assert "make dev" in missing.stderr

    with LocalSqs() as sqs:
        urls = ensure_queue_pair(
            sqs.endpoint_url,
            queue_name="NotificationsQueue",
            dlq_name="NotificationsDeadLetterQueue",
            visibility_timeout=30,
            max_receive_count=8,
        )
        sqs_client(sqs.endpoint_url).send_message(
            QueueUrl=urls.dlq_url,
            MessageBody=json.dumps(
                {"messageKey": "a:b:email", "template": "t", "channel": "email"}
            ),
        )
        env_file = tmp_path / "env.json"
        env_file.write_text(
            json.dumps(
                {
                    "AWS_REGION": "us-east-1",
                    "AWS_ACCESS_KEY_ID": "local",
                    "AWS_SECRET_ACCESS_KEY": "local",
                    "SQS_ENDPOINT_URL": sqs.endpoint_url,
                    "NOTIFICATIONS_QUEUE_URL": urls.queue_url,
                    "NOTIFICATIONS_DLQ_URL": urls.dlq_url,
                }
            )
        )
        listed = run_tool("infra.dlq", "list", "--env-file", str(env_file))
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["messageKey"] == "a:b:email"


def test_migrate_takes_the_database_url_from_the_env_file() -> None:
    state = state_dir("agenda-test-entry-")
    try:
        env_file = state / "env.json"
        # A port nothing listens on: the tool must try it, so the URL came from the file.
        env_file.write_text(json.dumps({"DATABASE_URL": "postgresql://u:p@127.0.0.1:9/agenda"}))
        done = run_tool("infra.migrate", "--env-file", str(env_file))
        assert done.returncode != 0
        assert "127.0.0.1" in done.stderr or "Connection refused" in done.stderr, done.stderr
        none = run_tool("infra.migrate", "--env-file", str(state / "absent.json"))
        assert none.returncode == 2
        assert "no DATABASE_URL" in none.stderr
    finally:
        env_file.unlink(missing_ok=True)
        state.rmdir()
