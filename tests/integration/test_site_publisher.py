"""The page publisher against the real thing: Postgres (the triggers of migration 0017 queue
the jobs), the S3 stand-in (the pages bucket the stack uploaded its build to) and the site
index's KeyValueStore stand-in."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pg8000.native
import pytest

from agenda.adapters.postgres import Database
from agenda.adapters.site_bucket import PAGE_CACHE_CONTROL, PAGE_CONTENT_TYPE, S3SiteBucket
from agenda.adapters.site_index import KeyValueStoreSiteIndex
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.service.ports import SiteBucket
from agenda.service.site_publisher import (
    PublisherDependencies,
    publish_after_change,
    publish_pending,
)
from agenda.settings import DatabaseSettings, SitePagesSettings
from infra.local.stack import PAGES_BUCKET, REGION, LocalStack
from infra.pages import s3_client
from tests.conftest import MakeProfessional, Professional, captured_logs

pytestmark = pytest.mark.integration

SITE = "https://agenda.example"


@pytest.fixture
def publishers(stack: LocalStack) -> Iterator[list[PostgresUnitOfWork]]:
    made: list[PostgresUnitOfWork] = []
    yield made
    for uow in made:
        uow.close()


def publisher(
    stack: LocalStack,
    made: list[PostgresUnitOfWork],
    *,
    bucket: str = PAGES_BUCKET,
    index_arn: str | None = None,
) -> PublisherDependencies:
    database = Database(
        DatabaseSettings.from_url(stack.postgres.url), application_name="test-site-pages"
    )
    uow = PostgresUnitOfWork(database, None)
    made.append(uow)
    settings = SitePagesSettings(
        bucket=bucket, site_url=SITE, region=REGION, endpoint_url=stack.s3.endpoint_url
    )
    index = KeyValueStoreSiteIndex(
        index_arn or stack.site_index_arn, region=REGION, endpoint_url=stack.kvs.url
    )
    return PublisherDependencies(uow=uow, bucket=S3SiteBucket(settings), index=index, site_url=SITE)


def s3(stack: LocalStack) -> Any:
    return s3_client(stack.s3.endpoint_url, REGION)


def stored(stack: LocalStack, slug: str) -> dict[str, Any] | None:
    client = s3(stack)
    try:
        found = client.get_object(Bucket=PAGES_BUCKET, Key=f"p/{slug}")
    except client.exceptions.NoSuchKey:
        return None
    return {
        "html": found["Body"].read().decode("utf-8"),
        "content_type": found["ContentType"],
        "cache_control": found["CacheControl"],
    }


def indexed(stack: LocalStack, slug: str) -> str | None:
    return stack.site_index().get(f"/p/{slug}")


def waiting(db: pg8000.native.Connection, slug: str) -> int:
    return int(db.run("SELECT count(*) FROM site_page_jobs WHERE slug = :slug", slug=slug)[0][0])


def rename(db: pg8000.native.Connection, pro: Professional, name: str) -> None:
    db.run("UPDATE professionals SET name = :name WHERE id = :id", name=name, id=pro.id)


def test_a_change_queues_the_page_and_publishing_writes_it(
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    publishers: list[PostgresUnitOfWork],
) -> None:
    pro = make_professional()
    assert waiting(db, pro.slug) >= 1  # the insert queued it
    deps = publisher(stack, publishers)
    assert pro.slug in publish_pending(deps, professional_id=pro.id).slugs
    assert waiting(db, pro.slug) == 0
    page = stored(stack, pro.slug)
    assert page is not None
    assert page["content_type"] == PAGE_CONTENT_TYPE == "text/html; charset=utf-8"
    assert page["cache_control"] == PAGE_CACHE_CONTROL == "public, max-age=60, must-revalidate"
    assert f"Dra. {pro.slug}" in page["html"]
    assert f'<link rel="canonical" href="{SITE}/p/{pro.slug}">' in page["html"]
    # The build's hashed names, from the manifest the stack's upload left in the bucket.
    manifest = s3(stack).get_object(Bucket=PAGES_BUCKET, Key="_site/asset-manifest.json")
    assert "/assets/profile.css" in manifest["Body"].read().decode()
    assert "/assets/profile.css" not in page["html"]
    assert indexed(stack, pro.slug) == "page"

    rename(db, pro, "Dra. Nova Silva")
    assert waiting(db, pro.slug) == 1
    publish_pending(deps, professional_id=pro.id)
    page = stored(stack, pro.slug)
    assert page is not None
    assert "Dra. Nova Silva" in page["html"]
    # A write that changes nothing the page shows queues nothing.
    db.run("UPDATE professionals SET auto_confirm = true WHERE id = :id", id=pro.id)
    assert waiting(db, pro.slug) == 0


def test_reviews_and_a_renamed_reviewer_queue_the_page(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    db.run("DELETE FROM site_page_jobs WHERE slug = :slug", slug=pro.slug)
    client = db.run(
        "INSERT INTO clients (professional_id, name, phone) VALUES (:pid, 'Carla Dias', :phone)"
        " RETURNING id",
        pid=pro.id,
        phone=f"+55119{uuid.uuid4().int % 10**8:08d}",
    )[0][0]
    appointment = db.run(
        "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
        " VALUES (:pid, :cid, now() - interval '2 days', now() - interval '2 days'"
        " + interval '50 minutes', 'completed') RETURNING id",
        pid=pro.id,
        cid=client,
    )[0][0]
    assert waiting(db, pro.slug) == 0
    db.run(
        "INSERT INTO reviews (professional_id, client_id, appointment_id, rating, comment)"
        " VALUES (:pid, :cid, :aid, 5, 'Ótima')",
        pid=pro.id,
        cid=client,
        aid=appointment,
    )
    assert waiting(db, pro.slug) == 1
    db.run("UPDATE clients SET name = 'Cliente removido' WHERE id = :id", id=client)
    assert waiting(db, pro.slug) == 2


def test_a_failing_bucket_or_index_leaves_the_job_for_the_sweep(
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    publishers: list[PostgresUnitOfWork],
) -> None:
    pro = make_professional()
    missing_bucket = publisher(stack, publishers, bucket=f"no-such-{uuid.uuid4().hex[:8]}")
    # No bucket, no asset manifest: nothing can be written, and the run says so.
    with pytest.raises(Exception, match="NoSuchBucket"):
        publish_pending(missing_bucket, professional_id=pro.id)
    assert waiting(db, pro.slug) >= 1
    # The index fails after the page went up, inside the job's transaction: rolled back.
    missing_index = publisher(stack, publishers, index_arn=stack.site_index_arn + "-gone")
    with captured_logs() as logs:
        assert publish_pending(missing_index, professional_id=pro.id).failed == [pro.slug]
    assert any("ResourceNotFound" in line for line in logs)
    assert waiting(db, pro.slug) >= 1
    assert indexed(stack, pro.slug) is None

    # After a request's change the same failure is logged, never the request's answer.
    with captured_logs() as logs:
        publish_after_change(missing_bucket, pro.id)
    assert any("site page left for the sweep" in line for line in logs)
    assert waiting(db, pro.slug) >= 1

    # The minute's sweep (the whole queue, not one professional's) publishes it.
    assert pro.slug in publish_pending(publisher(stack, publishers)).slugs
    assert waiting(db, pro.slug) == 0
    assert indexed(stack, pro.slug) == "page"


def test_a_slug_change_leaves_a_redirect_at_the_old_one(
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    publishers: list[PostgresUnitOfWork],
) -> None:
    pro = make_professional()
    deps = publisher(stack, publishers)
    publish_pending(deps, professional_id=pro.id)
    new_slug = f"{pro.slug}-novo"
    db.run("UPDATE professionals SET slug = :slug WHERE id = :id", slug=new_slug, id=pro.id)
    assert waiting(db, pro.slug) >= 1
    assert waiting(db, new_slug) >= 1
    publish_pending(deps, professional_id=pro.id)

    old = stored(stack, pro.slug)
    assert old is not None
    assert f'<meta http-equiv="refresh" content="0; url=/p/{new_slug}">' in old["html"]
    assert '<meta name="robots" content="noindex">' in old["html"]
    assert indexed(stack, pro.slug) == f"redirect /p/{new_slug}"
    new = stored(stack, new_slug)
    assert new is not None
    assert f'data-slug="{new_slug}"' in new["html"]
    assert indexed(stack, new_slug) == "page"


def test_an_inactive_or_deleted_professional_loses_the_page_and_its_redirects(
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    publishers: list[PostgresUnitOfWork],
) -> None:
    deps = publisher(stack, publishers)
    hidden, deleted = make_professional(), make_professional()
    moved = f"{deleted.slug}-b"
    db.run("UPDATE professionals SET slug = :slug WHERE id = :id", slug=moved, id=deleted.id)
    for pro in (hidden, deleted):
        publish_pending(deps, professional_id=pro.id)
    assert stored(stack, hidden.slug) is not None
    assert indexed(stack, deleted.slug) == f"redirect /p/{moved}"

    # What the deletion's first phase does to the row (agenda.adapters.privacy).
    db.run("UPDATE professionals SET active = false WHERE id = :id", id=hidden.id)
    publish_pending(deps, professional_id=hidden.id)
    assert stored(stack, hidden.slug) is None
    assert indexed(stack, hidden.slug) is None

    # The purge's delete: the slug registry goes with the row, so only the sweep sees it.
    db.run("DELETE FROM professionals WHERE id = :id", id=deleted.id)
    assert waiting(db, deleted.slug) >= 1
    assert waiting(db, moved) >= 1
    publish_pending(deps)
    for slug in (deleted.slug, moved):
        assert stored(stack, slug) is None
        assert indexed(stack, slug) is None
        assert waiting(db, slug) == 0


def test_two_publishers_at_once_write_the_latest_state(
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    publishers: list[PostgresUnitOfWork],
) -> None:
    pros = [make_professional() for _ in range(4)]
    for round_ in range(3):
        for pro in pros:
            rename(db, pro, f"Dra. Rodada {round_} {pro.slug}")
    both = [publisher(stack, publishers), publisher(stack, publishers)]
    results: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(deps: PublisherDependencies) -> None:
        start.wait()
        try:
            for pro in pros:
                results.append(publish_pending(deps, professional_id=pro.id).slugs)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(deps,)) for deps in both]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    written = [slug for slugs in results for slug in slugs]
    for pro in pros:
        assert pro.slug in written
        assert waiting(db, pro.slug) == 0
        page = stored(stack, pro.slug)
        assert page is not None
        assert f"Dra. Rodada 2 {pro.slug}" in page["html"]


class RefusingOneKey:
    """The bucket, but one key's write fails (a page the bucket refuses)."""

    def __init__(self, bucket: SiteBucket, refused: str) -> None:
        self._bucket = bucket
        self._refused = refused

    def put_html(self, key: str, html: str) -> None:
        if key == self._refused:
            raise RuntimeError(f"refused {key}")
        self._bucket.put_html(key, html)

    def delete(self, key: str) -> None:
        self._bucket.delete(key)

    def asset_manifest(self) -> Mapping[str, str]:
        return self._bucket.asset_manifest()


def test_a_page_that_cannot_be_written_goes_to_the_back_and_holds_up_no_other(
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    publishers: list[PostgresUnitOfWork],
) -> None:
    stuck, other = make_professional(), make_professional()
    healthy = publisher(stack, publishers)
    refusing = dataclasses.replace(
        healthy, bucket=RefusingOneKey(healthy.bucket, f"p/{stuck.slug}")
    )
    with captured_logs() as logs:
        run = publish_pending(refusing)
    assert other.slug in run.slugs
    assert stored(stack, other.slug) is not None
    assert stuck.slug in run.failed
    assert stuck.slug not in run.slugs
    assert any("site page not written" in line and stuck.slug in line for line in logs)
    # Still waiting, as one row behind what was queued before the failure.
    assert waiting(db, stuck.slug) == 1
    assert stored(stack, stuck.slug) is None
    assert stuck.slug in publish_pending(healthy).slugs
    assert waiting(db, stuck.slug) == 0
    assert indexed(stack, stuck.slug) == "page"
