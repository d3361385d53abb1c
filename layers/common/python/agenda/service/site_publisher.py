"""Writing the professionals' public pages to the pages bucket, never losing a change.

Triggers queue a row in ``site_page_jobs`` in the same transaction as every change a page
shows (migration 0017), so whoever writes, the page is known to be stale once the change
commits. A publisher takes one waiting slug at a time, in a transaction of its own:

1. claim the oldest waiting row (``FOR UPDATE SKIP LOCKED``: publishers never wait on each
   other's rows);
2. hold the slug (a transaction-scoped lock: a second publisher of the same slug waits here)
   and delete its waiting rows;
3. read what the page shows now, after the lock: the last writer wrote the latest state;
4. write the object (the page, a redirect, or its removal) and the site's index;
5. commit. Anything failing before the commit rolls it back: the rows are waiting again and
   the next run writes the page.

Run right after the request that changed a profile commits (best effort: a failure there is
logged and the schedule's sweep, every minute, publishes what it left), and by the sweep.
Repeated or concurrent runs are safe: each writes the state it read under the slug's lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

from agenda.observability import count, logger

# The pages' render (agenda.service.site_pages) is imported where a page is written: it loads
# the message formatting, which the account routes that publish after a change need only then.

if TYPE_CHECKING:
    from agenda.service.ports import SiteBucket, SiteIndex, SitePageStores, UnitOfWork
    from agenda.service.records import ProfilePage, RedirectPage

# Slugs a request publishes after its change: one professional has a few (the page and the
# redirects of earlier slugs); anything beyond waits for the sweep.
AFTER_CHANGE_LIMIT = 10
# Slugs one sweep publishes; the next sweep, a minute later, goes on with the rest.
SWEEP_LIMIT = 500
# Pages failing one after another: the bucket or the index is down, not one page. The run stops
# and fails, so the schedule's error shows it, rather than going through the whole queue.
MAX_FAILURES_IN_A_ROW = 3


@dataclass(frozen=True, slots=True)
class PublisherDependencies:
    uow: UnitOfWork[SitePageStores]
    bucket: SiteBucket
    index: SiteIndex
    site_url: str  # the site's own address: canonical links and link previews name it


@dataclass(slots=True)
class Published:
    pages: int = 0
    redirects: int = 0
    removed: int = 0
    slugs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # The slug being written, to put back in the queue when its write fails.
    current: str | None = None

    def as_dict(self) -> dict[str, int]:
        return {
            "pages": self.pages,
            "redirects": self.redirects,
            "removed": self.removed,
            "failed": len(self.failed),
        }


def publish_pending(
    deps: PublisherDependencies,
    *,
    professional_id: UUID | None = None,
    limit: int = SWEEP_LIMIT,
) -> Published:
    """Publish waiting pages, oldest first (only ``professional_id``'s slugs, when given), at
    most ``limit``. A page whose write fails goes to the back of the queue and the run goes on
    with the rest (the next run tries it again); MAX_FAILURES_IN_A_ROW failures in a row stop
    it with the last one's error."""
    published = Published()
    # Read once a page is waiting: an idle sweep costs one statement.
    if deps.uow.read(lambda stores: stores.site_pages.claim(professional_id)) is None:
        return published
    work = partial(
        _publish_one,
        deps=deps,
        published=published,
        professional_id=professional_id,
        assets=deps.bucket.asset_manifest(),
    )
    in_a_row = 0
    for _ in range(limit):
        published.current = None
        try:
            slug = deps.uow.run(work)
        except Exception as exc:
            failed = published.current
            if failed is None:  # no page was being written: the queue itself failed
                raise
            _requeue(deps, published, failed, exc)
            in_a_row += 1
            if in_a_row >= MAX_FAILURES_IN_A_ROW:
                raise
            continue
        if slug is None:
            break
        in_a_row = 0
        published.slugs.append(slug)
    if published.slugs:
        logger.info("site pages published", extra=published.as_dict())
    return published


def _publish_one(
    stores: SitePageStores,
    *,
    deps: PublisherDependencies,
    published: Published,
    professional_id: UUID | None,
    assets: Mapping[str, str],
) -> str | None:
    slug = stores.site_pages.claim(professional_id)
    if slug is None or slug in published.failed:
        # A page that failed in this run is back at the end of the queue: the run came round.
        return None
    published.current = slug
    stores.site_pages.take(slug)
    _write(deps, published, slug, stores.site_pages.state(slug), assets)
    return slug


def _requeue(deps: PublisherDependencies, published: Published, slug: str, exc: Exception) -> None:
    published.failed.append(slug)
    count("SitePagePublishFailed")
    logger.warning("site page not written", extra={"slug": slug, "error_type": type(exc).__name__})
    deps.uow.run(lambda stores: stores.site_pages.requeue(slug))


def _write(
    deps: PublisherDependencies,
    published: Published,
    slug: str,
    state: ProfilePage | RedirectPage | None,
    assets: Mapping[str, str],
) -> None:
    from agenda.service.records import ProfilePage, RedirectPage
    from agenda.service.site_pages import page_key, page_path, render_page, render_redirect

    key, path = page_key(slug), page_path(slug)
    if isinstance(state, ProfilePage):
        deps.bucket.put_html(key, render_page(state, assets=assets, site_url=deps.site_url))
        deps.index.put_page(path)
        published.pages += 1
        count("SitePagePublished")
    elif isinstance(state, RedirectPage):
        html = render_redirect(
            target=state.target,
            name=state.name,
            language=state.language,
            assets=assets,
            site_url=deps.site_url,
        )
        deps.bucket.put_html(key, html)
        deps.index.put_redirect(path, page_path(state.target))
        published.redirects += 1
        count("SitePageRedirected")
    else:
        # The index first: the edge answers 404 before the object is gone.
        deps.index.remove(path)
        deps.bucket.delete(key)
        published.removed += 1
        count("SitePageRemoved")


def publish_after_change(publisher: PublisherDependencies | None, professional_id: UUID) -> None:
    """Right after a request's change committed: publish that professional's pages. Never
    fails the request; what it leaves waits for the sweep."""
    if publisher is None:
        return
    try:
        publish_pending(publisher, professional_id=professional_id, limit=AFTER_CHANGE_LIMIT)
    except Exception as exc:  # the change is committed; the sweep writes the page
        count("SitePagePublishDeferred")
        logger.warning(
            "site page left for the sweep",
            extra={"professional_id": str(professional_id), "error_type": type(exc).__name__},
        )
