"""The site index adapter (agenda/adapters/site_index.py) against the local KeyValueStore
(infra/local/kvs.py), through botocore's own cloudfront-keyvaluestore client: SigV4A signing,
ETags and IfMatch, a lost race retried, the service's limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from agenda.adapters.site_index import (
    NOT_FOUND_KEY,
    PAGE,
    REDIRECT,
    KeyValueStoreSiteIndex,
    SiteIndexError,
)
from agenda.settings import SiteIndexSettings, using_environment
from infra.local.kvs import LocalKeyValueStore
from infra.local.sqs import use_local_credentials

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kvs() -> Iterator[LocalKeyValueStore]:
    use_local_credentials("us-east-1")
    with LocalKeyValueStore() as server:
        yield server


@pytest.fixture
def index(kvs: LocalKeyValueStore, request: pytest.FixtureRequest) -> KeyValueStoreSiteIndex:
    arn = kvs.create(request.node.name)
    return KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url)


def test_pages_redirects_and_removals_round_trip(index: KeyValueStoreSiteIndex) -> None:
    index.put_page("/p/dr-ana")
    index.put_redirect("/p/ana-antiga", "/p/dr-ana")
    assert index.get("/p/dr-ana") == PAGE
    assert index.get("/p/ana-antiga") == REDIRECT + "/p/dr-ana"
    assert index.get("/p/nobody") is None
    index.remove("/p/ana-antiga")
    assert index.get("/p/ana-antiga") is None
    # Removing a path already gone is no error: a retried deletion must not fail.
    index.remove("/p/ana-antiga")
    assert dict(index.items()) == {"/p/dr-ana": PAGE}


def test_a_batch_of_keys_goes_up_in_calls_of_fifty(index: KeyValueStoreSiteIndex) -> None:
    keys = {f"/p/professional-{n:03d}": PAGE for n in range(120)}
    keys[NOT_FOUND_KEY] = "<!doctype html><title>404</title>"
    index.put_many(keys)
    # ListKeys pages through them (ten to a page by default).
    assert dict(index.items()) == keys


def test_a_writer_that_lost_the_race_reads_the_new_version_and_writes(
    kvs: LocalKeyValueStore,
) -> None:
    arn = kvs.create("race")
    first = KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url)
    second = KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url)
    first.put_page("/p/a")
    second.put_page("/p/b")  # the store moved on: `first` holds an old ETag now
    first.put_page("/p/c")
    assert dict(first.items()) == {"/p/a": PAGE, "/p/b": PAGE, "/p/c": PAGE}


def test_concurrent_writers_all_land(kvs: LocalKeyValueStore) -> None:
    arn = kvs.create("concurrent")
    writers = [KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url, attempts=50) for _ in range(4)]
    errors: list[BaseException] = []

    def write(writer: KeyValueStoreSiteIndex, n: int) -> None:
        try:
            for i in range(10):
                writer.put_page(f"/p/w{n}-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w, n)) for n, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(dict(writers[0].items())) == 40


def test_writes_that_keep_losing_give_up(kvs: LocalKeyValueStore) -> None:
    arn = kvs.create("always-behind")
    index = KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url, attempts=3)
    other = KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url)
    client: Any = index.client()

    def another_writer_first(**_: Any) -> None:
        other.put_page("/p/other")

    client.meta.events.register("before-call.cloudfront-keyvaluestore.PutKey", another_writer_first)
    with pytest.raises(SiteIndexError, match="3 writes"):
        index.put_page("/p/mine")
    assert index.get("/p/mine") is None


def test_keys_and_values_beyond_the_services_limits_are_refused(
    index: KeyValueStoreSiteIndex,
) -> None:
    with pytest.raises(SiteIndexError):
        index.put_page("/p/" + "a" * 600)
    with pytest.raises(SiteIndexError):
        index.put(NOT_FOUND_KEY, "x" * 1025)
    for target in ("https://elsewhere.example/", "//elsewhere.example", "/p/same"):
        with pytest.raises(SiteIndexError):
            index.put_redirect("/p/same", target)
    assert index.get("/p/" + "a" * 600) is None


def test_the_stand_in_refuses_what_the_service_refuses(kvs: LocalKeyValueStore) -> None:
    arn = kvs.create("protocol")
    index = KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url)
    client: Any = index.client()
    etag = client.describe_key_value_store(KvsARN=arn)["ETag"]
    with pytest.raises(client.exceptions.ConflictException):
        client.put_key(KvsARN=arn, Key="/x", Value=PAGE, IfMatch="KV-not-the-version")
    with pytest.raises(client.exceptions.ValidationException):
        client.put_key(KvsARN=arn, Key="/x", Value="v" * 1025, IfMatch=etag)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_key(KvsARN=arn, Key="/x")
    missing = arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_key_value_store(KvsARN=missing)
    written = client.put_key(KvsARN=arn, Key="/x", Value=PAGE, IfMatch=etag)
    assert written["ETag"] != etag
    assert written["ItemCount"] == 1
    # Unsigned, or signed with plain SigV4, is refused as the service refuses it.
    unsigned = requests.get(f"{kvs.url}/key-value-stores/{arn}", timeout=5)
    assert unsigned.status_code == 403


def test_settings_name_the_store_and_the_local_endpoint(kvs: LocalKeyValueStore) -> None:
    arn = kvs.create("from-settings")
    with using_environment({"SITE_INDEX_ARN": arn, "SITE_INDEX_ENDPOINT_URL": kvs.url}):
        index = KeyValueStoreSiteIndex.from_settings(SiteIndexSettings.from_env())
    index.put_page("/register")
    assert index.get("/register") == PAGE


def test_the_stand_in_holds_five_megabytes_at_most(kvs: LocalKeyValueStore) -> None:
    arn = kvs.create("full")
    index = KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url)
    client: Any = index.client()
    value = "v" * 1000

    # 50 keys of about a kilobyte to a call: 5 MB is a little over a hundred calls.
    def put_batch(batch: int) -> None:
        etag = client.describe_key_value_store(KvsARN=arn)["ETag"]
        puts = [{"Key": f"/k/{batch}-{n}", "Value": value} for n in range(50)]
        client.update_keys(KvsARN=arn, IfMatch=etag, Puts=puts)

    batch = 0
    while batch < 100:
        put_batch(batch)
        batch += 1
    while batch < 120:
        try:
            put_batch(batch)
        except client.exceptions.ValidationException:
            break
        batch += 1
    assert 100 <= batch < 120
    # The refused batch wrote nothing.
    assert client.describe_key_value_store(KvsARN=arn)["ItemCount"] == batch * 50
