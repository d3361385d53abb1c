"""The contention bench at a tiny size (4 writers, 5 professionals, 2 slots each, 120 attempts
per approach), on its own embedded Postgres: our write books every slot drawn exactly once and
never two at a time, the seed's approach accounts for every attempt, the figures are real
numbers, and the double-booking count sees a double booking where there is one."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from infra.bench_contention import (
    WARMUP_SLUG,
    ZONE,
    Options,
    attempts,
    compare,
    connect,
    double_bookings,
    embedded_databases,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BOOKINGS = 120
OPTIONS = Options(writers=4, professionals=5, slots=2, bookings=BOOKINGS, seconds=None)


def test_ours_never_double_books_and_both_report_positive_figures() -> None:
    with embedded_databases() as (ours_url, seed_url):
        result = compare(ours_url, seed_url, OPTIONS)
        # The seed's database has no constraint: one more overlapping appointment is counted.
        conn = connect(seed_url, "test-bench-contention")
        try:
            conn.run(
                "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
                " SELECT a.professional_id, a.client_id, a.starts_at, a.ends_at, 'confirmed'"
                " FROM appointments a JOIN professionals p ON p.id = a.professional_id"
                " WHERE p.slug <> :warmup AND a.starts_at >= :since LIMIT 1",
                warmup=WARMUP_SLUG,
                since=datetime.combine(result.first_day, time(0), ZONE),
            )
        finally:
            conn.close()
        assert double_bookings(seed_url) == result.seed.double_bookings + 1

    drawn = {
        (attempt.slug, attempt.starts_at)
        for writer in range(OPTIONS.writers)
        for attempt in attempts(OPTIONS, writer, result.first_day)
    }
    assert len(drawn) > 1  # writers collide on these few slots
    ours, seed = result.ours, result.seed
    assert ours.double_bookings == 0
    # Every slot drawn is booked exactly once; every other attempt was told SLOT_TAKEN.
    assert ours.booked == ours.stored == len(drawn)
    assert ours.conflicts == BOOKINGS - len(drawn)
    assert ours.refused_by_constraint is not None
    assert 0 <= ours.refused_by_constraint <= ours.conflicts
    assert seed.gave_up is not None
    assert seed.retries is not None
    assert seed.retried is not None
    assert seed.booked == seed.stored
    assert seed.booked + seed.conflicts + seed.gave_up == BOOKINGS
    assert seed.retried <= seed.retries
    for figures in (ours, seed):
        assert figures.errors == {}
        assert figures.attempts == BOOKINGS
        assert figures.booked > 0
        assert figures.conflicts > 0
        assert figures.bookings_per_second > 0
        assert figures.attempts_per_second > figures.bookings_per_second
        assert 0 < figures.p50_ms <= figures.p99_ms
        assert figures.cpu_ms_per_attempt > 0
        assert figures.alone.attempts_per_second > 0
        assert figures.alone.p50_ms > 0
