"""Rate limits through Upstash Redis (REST), with upstash-ratelimit's sliding window.

The limiter fails open: when Redis cannot answer within its timeout, the request goes on and
a metric says so. Refusing every booking because the abuse guard is down would turn a
partial outage into a total one; the database constraints still protect the data.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from agenda.domain.errors import RateLimited
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.domain.plans import RateLimit
    from agenda.settings import RateLimitSettings


class UpstashRateLimiter:
    def __init__(self, settings: RateLimitSettings, rule: RateLimit, *, name: str) -> None:
        self._settings = settings
        self._rule = rule
        self._name = name
        self._ratelimit: Any = None

    def _limiter(self) -> Any:
        if self._ratelimit is None:
            from upstash_ratelimit import Ratelimit, SlidingWindow
            from upstash_redis import Redis

            redis = Redis(
                url=self._settings.url,
                token=self._settings.token.value(),  # on AWS its first use reads the secret
                rest_retries=0,
                allow_telemetry=False,
            )
            # The client has no timeout by default; a hung Redis must not hang bookings.
            redis._http._client.timeout = self._settings.timeout_seconds
            self._ratelimit = Ratelimit(
                redis=redis,
                limiter=SlidingWindow(
                    max_requests=self._rule.max_requests, window=self._rule.window_seconds, unit="s"
                ),
                prefix=f"ratelimit:{self._name}",
            )
        return self._ratelimit

    def check(self, identifier: str) -> None:
        try:
            decision = self._limiter().limit(identifier)
        except Exception as exc:
            logger.warning(
                "rate limiter unavailable",
                extra={"limit": self._name, "error_type": type(exc).__name__},
            )
            count("RateLimiterUnavailable", limit=self._name)
            return
        if not decision.allowed:
            count("RateLimited", limit=self._name)
            retry_after = math.ceil(decision.reset - time.time())
            raise RateLimited(
                "Too many attempts, please try again later", retry_after_seconds=retry_after
            )
