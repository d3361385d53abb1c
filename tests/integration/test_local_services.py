"""The local stand-ins speak their protocols well enough for the real clients."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pg8000.native
import psutil
import pytest
import requests
from upstash_ratelimit import Ratelimit, SlidingWindow
from upstash_redis import Redis
from upstash_redis.errors import UpstashError

from infra.local._http import JsonRequestHandler, LocalHttpService
from infra.local.postgres import LocalPostgres
from infra.local.providers import LocalProviders
from infra.local.sqs import LocalSqs, ensure_queue_pair, sqs_client
from infra.local.stack import LocalStack
from infra.local.upstash import LocalUpstash
from tests.conftest import state_dir

pytestmark = pytest.mark.integration

TOKEN = "local-upstash-token"
EVOLUTION_KEY = "local-evolution-key"


def connect(url: str) -> pg8000.native.Connection:
    parts = urlsplit(url)
    assert parts.scheme == "postgresql"
    assert parts.hostname == "127.0.0.1"
    return pg8000.native.Connection(
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=parts.hostname,
        port=parts.port,
        database=parts.path.lstrip("/"),
    )


@pytest.fixture
def pg_dir() -> Iterator[Path]:
    path = state_dir("agenda-pg-test-")
    yield path / "pg"
    shutil.rmtree(path, ignore_errors=True)


def postmaster_pid(pg: LocalPostgres) -> int:
    return int((pg.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# -- Postgres ------------------------------------------------------------------------------


def test_postgres_serves_the_app_role_over_tcp_and_keeps_data_across_restarts(
    pg_dir: Path,
) -> None:
    pg = LocalPostgres(pg_dir)
    pg.start()
    try:
        url = pg.url
        conn = connect(url)
        assert conn.run("SELECT inet_server_addr()::text, current_user") == [
            ["127.0.0.1/32", "agenda"]
        ]
        conn.run("CREATE EXTENSION IF NOT EXISTS btree_gist")
        conn.run(
            "CREATE TABLE booking (room int, during tstzrange,"
            " EXCLUDE USING gist (room WITH =, during WITH &&))"
        )
        conn.run("INSERT INTO booking VALUES (1, '[2030-01-01 10:00Z, 2030-01-01 11:00Z)')")
        with pytest.raises(pg8000.native.DatabaseError) as overlap:
            conn.run("INSERT INTO booking VALUES (1, '[2030-01-01 10:30Z, 2030-01-01 11:30Z)')")
        assert overlap.value.args[0]["C"] == "23P01"
        conn.close()
        with pytest.raises(pg8000.native.DatabaseError):
            connect(url.replace(pg.password, "wrong-password"))
        pid = postmaster_pid(pg)
    finally:
        pg.stop()
    pg.stop()  # idempotent
    assert not running(pid)
    assert not (pg.pgdata / "postmaster.pid").exists()
    assert (pg_dir / "credentials.json").stat().st_mode & 0o777 == 0o600

    again = LocalPostgres(pg_dir)
    started = time.monotonic()
    with again:
        assert time.monotonic() - started < 3
        assert again.url == url  # same port and password: DATABASE_URL survives a restart
        conn = connect(again.url)
        assert conn.run("SELECT count(*) FROM booking") == [[1]]
        conn.close()


def test_postgres_starts_over_a_killed_server(pg_dir: Path) -> None:
    pg = LocalPostgres(pg_dir)
    pg.start()
    conn = connect(pg.url)
    conn.run("CREATE TABLE survivor (id int)")
    conn.run("INSERT INTO survivor VALUES (7)")
    conn.close()
    pid = postmaster_pid(pg)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.01)

    # A new process finds the stale postmaster.pid, as after a crash of the dev stack.
    with LocalPostgres(pg_dir) as restarted:
        conn = connect(restarted.url)
        assert conn.run("SELECT id FROM survivor") == [[7]]
        conn.close()
    pg.stop()  # the crashed handle stops nothing, and does not fail


# -- SQS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqs() -> Iterator[LocalSqs]:
    with LocalSqs() as server:
        yield server


def test_sqs_moves_a_message_to_the_dlq_after_max_receive_count(sqs: LocalSqs) -> None:
    urls = ensure_queue_pair(
        sqs.endpoint_url,
        queue_name="notifications",
        dlq_name="notifications-dlq",
        visibility_timeout=30,
        max_receive_count=2,
    )
    assert urls == ensure_queue_pair(
        sqs.endpoint_url,
        queue_name="notifications",
        dlq_name="notifications-dlq",
        visibility_timeout=30,
        max_receive_count=2,
    )
    client = sqs_client(sqs.endpoint_url)
    attributes = client.get_queue_attributes(QueueUrl=urls.queue_url, AttributeNames=["All"])
    policy = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert policy["deadLetterTargetArn"].endswith(":notifications-dlq")
    assert attributes["Attributes"]["VisibilityTimeout"] == "30"

    client.send_message(QueueUrl=urls.queue_url, MessageBody='{"kind": "booking_created"}')
    for _ in range(2):
        # VisibilityTimeout=0: the message is back at once, as if the consumer failed.
        received = client.receive_message(QueueUrl=urls.queue_url, VisibilityTimeout=0)
        assert len(received.get("Messages", [])) == 1
    assert "Messages" not in client.receive_message(QueueUrl=urls.queue_url)
    dead = client.receive_message(QueueUrl=urls.dlq_url)["Messages"]
    assert [m["Body"] for m in dead] == ['{"kind": "booking_created"}']


def test_the_dead_letter_queue_has_the_template_attributes(sqs: LocalSqs) -> None:
    # The template's queue pair, by its logical ids (the local stack's queue names).
    urls = ensure_queue_pair(
        sqs.endpoint_url,
        queue_name="NotificationsQueue",
        dlq_name="NotificationsDeadLetterQueue",
        visibility_timeout=182,
        max_receive_count=8,
    )
    client = sqs_client(sqs.endpoint_url)
    queue = client.get_queue_attributes(QueueUrl=urls.queue_url, AttributeNames=["All"])
    dead = client.get_queue_attributes(QueueUrl=urls.dlq_url, AttributeNames=["All"])
    # template.yaml: 14 days in the dead-letter queue, 4 in the queue; only the queue may
    # redrive into it.
    assert dead["Attributes"]["MessageRetentionPeriod"] == "1209600"
    assert queue["Attributes"]["MessageRetentionPeriod"] == "345600"
    assert json.loads(dead["Attributes"]["RedriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [queue["Attributes"]["QueueArn"]],
    }


def test_the_stack_creates_its_dead_letter_queue_as_the_template_does(stack: LocalStack) -> None:
    client = stack.sqs_client()
    dead = client.get_queue_attributes(QueueUrl=stack.dead_letter_url, AttributeNames=["All"])
    queue = client.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["QueueArn"])
    assert dead["Attributes"]["MessageRetentionPeriod"] == "1209600"
    assert json.loads(dead["Attributes"]["RedriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [queue["Attributes"]["QueueArn"]],
    }


# -- Upstash -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def upstash() -> Iterator[LocalUpstash]:
    with LocalUpstash(token=TOKEN) as server:
        thread_name = f"LocalUpstash:{urlsplit(server.url).port}"
        yield server
    # Its serving thread is gone (other stacks of the session may run their own).
    assert thread_name not in [t.name for t in threading.enumerate()]


@pytest.fixture
def redis(upstash: LocalUpstash) -> Redis:
    upstash.flushall()
    return Redis(url=upstash.url, token=TOKEN, rest_retries=0)


def test_upstash_answers_the_redis_client(redis: Redis) -> None:
    assert redis.set("greeting", "olá, mundo") is True
    assert redis.get("greeting") == "olá, mundo"
    assert redis.get("missing") is None
    assert [redis.incr("counter"), redis.incr("counter")] == [1, 2]
    with pytest.raises(UpstashError, match="not an integer"):
        redis.incr("greeting")

    pipeline = redis.pipeline()
    pipeline.set("a", "1")
    pipeline.incr("a")
    pipeline.get("a")
    assert pipeline.exec() == [True, 2, "2"]

    transaction = redis.multi()
    transaction.set("b", "10")
    transaction.incrby("b", 5)
    assert transaction.exec() == [True, 15]


def test_upstash_speaks_the_rest_protocol(upstash: LocalUpstash, redis: Redis) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    redis.set("k", "v")
    plain = requests.post(upstash.url, json=["GET", "k"], headers=auth, timeout=5)
    assert plain.json() == {"result": "v"}
    encoded = requests.post(
        upstash.url,
        json=["MGET", "k", "nope"],
        headers={**auth, "Upstash-Encoding": "base64"},
        timeout=5,
    )
    assert encoded.json() == {"result": ["dg==", None]}
    ok = requests.post(
        upstash.url,
        json=["SET", "k", "w"],
        headers={**auth, "Upstash-Encoding": "base64"},
        timeout=5,
    )
    assert ok.json() == {"result": "OK"}

    failed = requests.post(upstash.url, json=["INCR", "k"], headers=auth, timeout=5)
    assert failed.status_code == 400
    assert failed.json()["error"].startswith("ERR ")

    # A command Redis will not queue aborts the whole transaction: nothing is written.
    aborted = requests.post(
        f"{upstash.url}/multi-exec", json=[["SET", "t", "1"], ["NOPE"]], headers=auth, timeout=5
    )
    assert aborted.status_code == 400
    assert redis.get("t") is None
    batch = requests.post(
        f"{upstash.url}/pipeline",
        json=[["SET", "p", "x"], ["INCR", "p"]],
        headers=auth,
        timeout=5,
    )
    assert batch.json()[0] == {"result": "OK"}
    assert "error" in batch.json()[1]

    unauthorized = requests.post(
        upstash.url, json=["GET", "k"], headers={"Authorization": "Bearer nope"}, timeout=5
    )
    assert (unauthorized.status_code, unauthorized.json()) == (401, {"error": "Unauthorized"})
    with pytest.raises(UpstashError, match="Unauthorized"):
        Redis(url=upstash.url, token="wrong", rest_retries=0).get("k")


def test_upstash_runs_shebang_scripts_by_their_own_sha(redis: Redis) -> None:
    script = "#!lua flags=allow-key-locking\nreturn redis.call('INCR', KEYS[1])"
    sha = redis.script_load(script)
    assert sha == hashlib.sha1(script.encode()).hexdigest()  # noqa: S324 - Redis's naming
    assert redis.evalsha(sha, ["hits"]) == 1
    assert redis.eval(script, ["hits"]) == 2
    assert redis.script_exists(sha) == [True]


def test_upstash_backs_the_sliding_window_rate_limiter(redis: Redis) -> None:
    limiter = Ratelimit(redis=redis, limiter=SlidingWindow(max_requests=5, window=600, unit="s"))
    answers = [limiter.limit("203.0.113.7") for _ in range(6)]
    assert [a.allowed for a in answers] == [True] * 5 + [False]
    assert [a.remaining for a in answers] == [4, 3, 2, 1, 0, 0]
    assert answers[-1].reset > time.time()
    assert limiter.limit("198.51.100.1").allowed  # limits are per identifier


def test_upstash_answers_every_request_even_when_it_fails(
    upstash: LocalUpstash, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    # A nested array is a bad command: 400, never a dropped connection.
    nested = requests.post(upstash.url, json=["SET", "k", ["v"]], headers=auth, timeout=5)
    assert (nested.status_code, nested.json()) == (400, {"error": "ERR failed to parse command"})
    garbled = requests.post(
        upstash.url,
        data=b'["GET"',
        headers={**auth, "Content-Type": "application/json"},
        timeout=5,
    )
    assert garbled.status_code == 400
    assert "error" in garbled.json()

    def broken(*args: object) -> None:
        raise RuntimeError("store unavailable")

    for name in ("execute", "pipeline", "multi_exec"):
        monkeypatch.setattr(upstash, name, broken)
    batch = [["GET", "k"]]
    for path, body in (("", ["GET", "k"]), ("/pipeline", batch), ("/multi-exec", batch)):
        answer = requests.post(f"{upstash.url}{path}", json=body, headers=auth, timeout=5)
        assert answer.status_code == 500, path
        assert isinstance(answer.json()["error"], str), path
    answer = requests.get(f"{upstash.url}/get/k", headers=auth, timeout=5)
    assert answer.status_code == 500
    # requests would correct a bad Content-Length: send it by hand.
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(upstash.url).port, timeout=5)
    try:
        conn.putrequest("POST", "/")
        conn.putheader("Authorization", f"Bearer {TOKEN}")
        conn.putheader("Content-Length", "many")
        conn.endheaders(b"[]")
        bad_length = conn.getresponse()
        assert bad_length.status == 400
        assert "error" in json.loads(bad_length.read())
    finally:
        conn.close()


def test_upstash_turns_json_scalars_into_their_string_forms(
    upstash: LocalUpstash, redis: Redis
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for value, stored in (
        (1.5, "1.5"),
        (10, "10"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
    ):
        answer = requests.post(upstash.url, json=["SET", "k", value], headers=auth, timeout=5)
        assert answer.json() == {"result": "OK"}, value
        assert redis.get("k") == stored
    counted = requests.post(upstash.url, json=["INCRBY", "n", 5], headers=auth, timeout=5)
    assert counted.json() == {"result": 5}
    batch = requests.post(
        f"{upstash.url}/pipeline",
        json=[["EXPIRE", "n", 60], ["TTL", "n"]],
        headers=auth,
        timeout=5,
    )
    assert batch.json() == [{"result": 1}, {"result": 60}]


def test_upstash_read_only_scripts_refuse_to_write(redis: Redis) -> None:
    redis.set("k", "v")
    writes = "return redis.call('SET', KEYS[1], 'changed')"
    reads = "return redis.call('GET', KEYS[1])"
    with pytest.raises(UpstashError, match="Write commands are not allowed from read-only scripts"):
        redis.eval_ro(writes, ["k"])
    assert redis.get("k") == "v"
    assert redis.eval_ro(reads, ["k"]) == "v"
    write_sha = redis.script_load(writes)
    with pytest.raises(UpstashError, match="Write commands are not allowed from read-only scripts"):
        redis.evalsha_ro(write_sha, ["k"])
    assert redis.get("k") == "v"
    assert redis.evalsha_ro(redis.script_load(reads), ["k"]) == "v"
    shebang = "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])"
    assert redis.evalsha_ro(redis.script_load(shebang), ["k"]) == "v"
    assert redis.eval_ro(shebang, ["k"]) == "v"
    # A write from EVAL (not read-only) still goes through.
    assert redis.evalsha(write_sha, ["k"]) == "OK"
    assert redis.get("k") == "changed"


# -- WhatsApp and email providers ----------------------------------------------------------


@pytest.fixture
def providers(tmp_path: Path) -> Iterator[LocalProviders]:
    with LocalProviders(
        log_path=tmp_path / "outbox.jsonl", evolution_api_key=EVOLUTION_KEY
    ) as server:
        yield server


def send_whatsapp(providers: LocalProviders, number: str, text: str) -> requests.Response:
    return requests.post(
        f"{providers.url}/message/sendText/agenda",
        json={"number": number, "text": text},
        headers={"apikey": EVOLUTION_KEY},
        timeout=5,
    )


def send_email(providers: LocalProviders, to: str | list[str], **fields: str) -> requests.Response:
    body = {"from": "Agenda <no-reply@agenda.test>", "to": to, "subject": "Hello", **fields}
    return requests.post(
        f"{providers.url}/emails",
        json=body,
        headers={"Authorization": "Bearer re_local"},
        timeout=5,
    )


def test_providers_record_what_was_sent(providers: LocalProviders, tmp_path: Path) -> None:
    whatsapp = send_whatsapp(providers, "5511988887777", "Sua sessão foi confirmada <3")
    assert whatsapp.status_code == 201
    message_id = whatsapp.json()["key"]["id"]
    email = send_email(providers, ["ana@example.test"], html="<p>Booked</p>")
    assert email.status_code == 200
    email_id = email.json()["id"]

    listed = requests.get(f"{providers.url}/messages", timeout=5).json()
    assert [(m["channel"], m["recipient"], m["providerId"]) for m in listed] == [
        ("whatsapp", "5511988887777", message_id),
        ("email", "ana@example.test", email_id),
    ]
    assert listed[0]["text"] == "Sua sessão foi confirmada <3"
    assert listed[1]["subject"] == "Hello"

    page = requests.get(providers.url, timeout=5)
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.text.index(email_id) < page.text.index(message_id)  # newest first
    assert "confirmada &lt;3" in page.text

    logged = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert [entry["providerId"] for entry in logged] == [message_id, email_id]


def test_the_messages_page_is_rebuilt_from_its_log_at_start(tmp_path: Path) -> None:
    log = tmp_path / "outbox.jsonl"
    with LocalProviders(log_path=log, evolution_api_key=EVOLUTION_KEY) as first:
        message_id = send_whatsapp(first, "5511988887777", "Sua sessão foi confirmada").json()
        email_id = send_email(first, "ana@example.test", text="Booked").json()["id"]
    # A write cut short by a killed process is skipped, not fatal.
    with log.open("a", encoding="utf-8") as cut:
        cut.write('{"channel": "wha')

    with LocalProviders(log_path=log, evolution_api_key=EVOLUTION_KEY) as restarted:
        listed = requests.get(f"{restarted.url}/messages", timeout=5).json()
        assert [m["providerId"] for m in listed] == [message_id["key"]["id"], email_id]
        assert listed[0]["text"] == "Sua sessão foi confirmada"
        page = requests.get(restarted.url, timeout=5).text
        assert email_id in page
        assert "Sua sessão foi confirmada" in page
        later = send_email(restarted, "bia@example.test", text="Again").json()["id"]
    assert json.loads(log.read_text().splitlines()[-1])["providerId"] == later


def test_providers_validate_like_the_real_apis(providers: LocalProviders) -> None:
    assert send_email(providers, "ana@example.test").status_code == 422  # no html or text
    missing_to = send_email(providers, "", text="hi")
    assert (missing_to.status_code, missing_to.json()["name"]) == (422, "missing_required_field")
    no_key = requests.post(f"{providers.url}/emails", json={}, timeout=5)
    assert no_key.status_code == 401
    assert send_whatsapp(providers, "5511988887777", "").status_code == 400
    wrong_key = requests.post(
        f"{providers.url}/message/sendText/agenda",
        json={"number": "5511988887777", "text": "hi"},
        headers={"apikey": "nope"},
        timeout=5,
    )
    assert wrong_key.status_code == 401
    assert providers.messages() == []


def test_providers_fail_on_demand(providers: LocalProviders) -> None:
    control = requests.post(
        f"{providers.url}/_control/faults",
        json={"statusByRecipient": {"5511999999999": 400}},
        timeout=5,
    )
    assert control.status_code == 200
    assert send_whatsapp(providers, "5511999999999", "x").status_code == 400
    assert send_whatsapp(providers, "5511988887777", "x").status_code == 201

    providers.set_faults(fail_rate=1.0, fail_status=503)
    assert send_email(providers, "ana@example.test", text="x").status_code == 503
    assert send_whatsapp(providers, "5511988887777", "x").status_code == 503
    assert [m.channel for m in providers.messages()] == ["whatsapp"]  # failures not recorded

    providers.set_faults(fail_rate=0.5)
    statuses = {send_email(providers, "ana@example.test", text="x").status_code for _ in range(20)}
    assert statuses == {200, 500}

    requests.post(f"{providers.url}/_control/reset", timeout=5)
    assert providers.messages() == []
    assert send_email(providers, "ana@example.test", text="x").status_code == 200


def test_providers_report_and_honour_instance_state(providers: LocalProviders) -> None:
    state_url = f"{providers.url}/instance/connectionState/agenda"
    headers = {"apikey": EVOLUTION_KEY}
    assert requests.get(state_url, headers=headers, timeout=5).json() == {
        "instance": {"instanceName": "agenda", "state": "open"}
    }
    requests.post(f"{providers.url}/_control/instances", json={"agenda": "close"}, timeout=5)
    assert requests.get(state_url, headers=headers, timeout=5).json()["instance"]["state"] == (
        "close"
    )
    assert send_whatsapp(providers, "5511988887777", "x").status_code == 500
    providers.set_instance_state("agenda", "open")
    assert send_whatsapp(providers, "5511988887777", "x").status_code == 201


# -- the stack as a whole --------------------------------------------------------------------


def test_the_stack_leaves_the_process_environment_alone(stack: LocalStack) -> None:
    # Its functions read environment() through agenda.settings.using_environment.
    assert os.environ.get("DATABASE_URL") != stack.postgres.url
    assert os.environ.get("NOTIFICATIONS_QUEUE_URL") != stack.queue_url


# -- one server lifecycle ----------------------------------------------------------------------


def test_a_background_server_starts_listening_and_stops_idempotently() -> None:
    class Hello(JsonRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's dispatch name
            self.send_json(200, {"ok": True})

    class Service(LocalHttpService):
        def handler_class(self) -> type[JsonRequestHandler]:
            return Hello

    service = Service()
    service.start()
    service.start()  # a second start keeps the running server
    port = service.port
    assert requests.get(f"{service.url}/", timeout=5).json() == {"ok": True}
    service.stop()
    service.stop()
    with pytest.raises(RuntimeError):
        _ = service.port
    assert f"Service:{port}" not in [t.name for t in threading.enumerate()]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=1)
    # It can start again, on a fresh free port.
    with service:
        assert requests.get(f"{service.url}/", timeout=5).status_code == 200
