"""The WhatsApp watchdog: every morning, is each WhatsApp instance in use connected, and is the
notification pipeline healthy?

- Each instance in use (the active professionals' own, and the platform's WHATSAPP_INSTANCE)
  is asked for its connection state. Each professional on an instance that is not "open" is
  emailed once per local day (the alert's key carries the date), and every check is recorded
  in whatsapp_instance_checks.
- The dead-letter queue's depth and the deliveries that failed in the last 24 hours are
  reported as metrics and in one structured log line; at or over their thresholds, or when the
  platform's own instance is down, the line is an ERROR and NotificationHealthAlert is 1 (an
  alarm in template.yaml watches it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agenda.domain.reminders import (
    Thresholds,
    disconnected_envelope,
    health_problems,
    is_disconnected,
    local_date,
)
from agenda.observability import count, logger
from agenda.service.ports import CheckFailed
from agenda.service.records import InstanceCheck

if TYPE_CHECKING:
    from agenda.service.ports import ConnectionStates, JobStores, QueueDepth, UnitOfWork

FAILED_SINCE = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class WatchdogDependencies:
    uow: UnitOfWork[JobStores]
    states: ConnectionStates
    dead_letters: QueueDepth
    platform_instance: str
    thresholds: Thresholds


@dataclass(slots=True)
class WatchdogReport:
    states: dict[str, str | None] = field(default_factory=dict)  # None: the check failed
    alerts_queued: int = 0
    alerted_professionals: list[UUID] = field(default_factory=list)
    dead_letters: int | None = None  # None: the queue could not be read
    failed_deliveries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def disconnected(self) -> list[str]:
        return sorted(name for name, state in self.states.items() if is_disconnected(state))

    def as_dict(self) -> dict[str, Any]:
        return {
            "instances_checked": len(self.states),
            "disconnected": self.disconnected,
            "checks_failed": sorted(n for n, s in self.states.items() if s is None),
            "alerts_queued": self.alerts_queued,
            "dead_letters": self.dead_letters,
            "failed_deliveries": self.failed_deliveries,
            "problems": self.problems,
            "alert": bool(self.problems),
        }


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def run_watchdog(deps: WatchdogDependencies, *, now: datetime) -> WatchdogReport:
    report = WatchdogReport()
    in_use = deps.uow.read(lambda stores: stores.jobs.instances_in_use())
    instances = sorted({*in_use, deps.platform_instance})
    errors: dict[str, str] = {}
    for instance in instances:
        try:
            report.states[instance] = deps.states.state(instance)
        except CheckFailed as exc:
            report.states[instance] = None
            errors[instance] = str(exc)
            logger.warning(
                "whatsapp connection check failed", extra={"instance": instance, "error": str(exc)}
            )

    disconnected = report.disconnected
    professionals = deps.uow.read(lambda stores: stores.jobs.professionals_on(disconnected))
    items: list[tuple[UUID, dict[str, Any]]] = []
    instance_of: dict[UUID, str] = {}
    for professional in professionals:
        if not professional.email:
            # The alert exists only as email; the ERROR line and the metric still tell operators.
            logger.warning(
                "whatsapp disconnected, professional has no email",
                extra={"professional_id": str(professional.id), "instance": professional.instance},
            )
            count("WhatsappAlertUndeliverable")
            continue
        instance_of[professional.id] = professional.instance
        items.append(
            (
                professional.id,
                disconnected_envelope(
                    professional_id=professional.id,
                    professional_name=professional.name,
                    email=professional.email,
                    instance=professional.instance,
                    day=local_date(now, _zone(professional.timezone)),
                    locale=professional.locale,
                ),
            )
        )

    def alert_and_record(stores: JobStores) -> list[str]:
        keys = stores.outbox.add(items)
        by_instance = Counter(instance_of[UUID(key.split(":", 1)[0])] for key in keys)
        checked_at = now.astimezone(UTC)
        stores.jobs.record_checks(
            [
                InstanceCheck(
                    instance,
                    report.states[instance],
                    by_instance.get(instance, 0),
                    errors.get(instance),
                    checked_at,
                )
                for instance in instances
            ]
        )
        return keys

    keys = deps.uow.run(alert_and_record)
    report.alerts_queued = len(keys)
    report.alerted_professionals = sorted(UUID(key.split(":", 1)[0]) for key in keys)

    try:
        report.dead_letters = deps.dead_letters.depth()
    except Exception as exc:  # the report goes out without it rather than not at all
        logger.warning("dead-letter queue depth unknown", extra={"error_type": type(exc).__name__})
    since = now - FAILED_SINCE
    report.failed_deliveries = deps.uow.read(
        lambda stores: stores.jobs.failed_deliveries_since(since)
    )
    report.problems = health_problems(
        dead_letters=report.dead_letters,
        failed_deliveries=report.failed_deliveries,
        thresholds=deps.thresholds,
    )
    if report.states.get(deps.platform_instance) != "open":
        report.problems.append("platform_whatsapp")

    _emit(report)
    return report


def _emit(report: WatchdogReport) -> None:
    if report.dead_letters is not None:
        count("NotificationDeadLetterDepth", report.dead_letters)
    count("NotificationFailuresLastDay", report.failed_deliveries)
    count("WhatsappInstancesDisconnected", len(report.disconnected))
    failed_checks = sum(state is None for state in report.states.values())
    if failed_checks:
        count("WhatsappChecksFailed", failed_checks)
    if report.alerts_queued:
        count("WhatsappDisconnectedAlerts", report.alerts_queued)
    # 0 on a healthy day too, so the alarm always has a data point to judge.
    count("NotificationHealthAlert", 1 if report.problems else 0)
    fields = report.as_dict()
    if report.problems:
        logger.error("notification health alert", extra=fields)
    else:
        logger.info("notification health", extra=fields)
