"""The webhook delivery queue and the audit log on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from muster.domain.errors import ConflictError
from muster.domain.webhooks import DeliveryStatus
from muster.storage import Database, Repositories
from muster.storage.repositories import AuditRepository, WebhookRepository

from .factories import T0


class SteppingClock:
    """A clock the test moves by hand (the repositories take any `() -> datetime`)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_events_are_queued_for_active_subscribed_webhooks_only(repos: Repositories) -> None:
    wanted = repos.webhooks.create(
        url="https://a.example/hook", secret="s1", events=["attendance.created"]
    )
    repos.webhooks.create(url="https://b.example/hook", secret="s2", events=["person.erased"])
    repos.webhooks.create(
        url="https://c.example/hook", secret="s3", events=["attendance.created"], active=False
    )

    queued = repos.webhooks.enqueue("attendance.created", {"event_id": 5, "direction": "in"})

    assert [d.webhook_id for d in queued] == [wanted.id]
    assert queued[0].payload == {"event_id": 5, "direction": "in"}
    assert (queued[0].status, queued[0].attempts) == (DeliveryStatus.PENDING, 0)
    assert repos.webhooks.get(wanted.id).events == frozenset({"attendance.created"})


def test_a_claimed_delivery_is_leased_then_retried_or_finished(database: Database) -> None:
    clock = SteppingClock()
    webhooks = WebhookRepository(database, clock)
    hook = webhooks.create(url="https://a.example/hook", secret="s", events=["e"])
    [delivery] = webhooks.enqueue("e", {})

    [claimed] = webhooks.claim_due(limit=10, lease_s=30)
    during_lease = webhooks.claim_due(limit=10, lease_s=30)
    failed = webhooks.mark_failed(claimed.id, error="HTTP 503", retry_at=T0 + timedelta(minutes=1))
    clock.now = T0 + timedelta(minutes=2)
    [retried] = webhooks.claim_due(limit=10, lease_s=30)
    delivered = webhooks.mark_delivered(retried.id)

    assert claimed.id == delivery.id
    assert claimed.attempts == 1
    assert during_lease == []
    assert (failed.status, failed.last_error) == (DeliveryStatus.PENDING, "HTTP 503")
    assert retried.attempts == 2
    assert (delivered.status, delivered.next_attempt_at) == (DeliveryStatus.DELIVERED, None)
    assert webhooks.deliveries(hook.id) == [delivered]
    with pytest.raises(ConflictError, match="delivered"):
        webhooks.mark_failed(delivered.id, error="late", retry_at=None)


def test_a_delivery_without_a_retry_time_fails_for_good(repos: Repositories) -> None:
    repos.webhooks.create(url="https://a.example/hook", secret="s", events=["e"])
    [delivery] = repos.webhooks.enqueue("e", {})

    failed = repos.webhooks.mark_failed(delivery.id, error="HTTP 410", retry_at=None)

    assert failed.status is DeliveryStatus.FAILED
    assert repos.webhooks.claim_due(limit=10, lease_s=30) == []


def test_audit_entries_are_listed_newest_first_and_by_target(database: Database) -> None:
    clock = SteppingClock()
    audit = AuditRepository(database, clock)
    first = audit.record(actor="admin", action="group.created", target_type="group", target_id=1)
    clock.now = T0 + timedelta(seconds=1)
    second = audit.record(
        actor="admin",
        action="key.revoked",
        target_type="api_key",
        target_id=9,
        detail={"reason": "lost"},
    )

    assert audit.recent() == [second, first]
    assert audit.recent(target_type="api_key", target_id=9) == [second]
    assert audit.recent(since=T0 + timedelta(seconds=1)) == [second]
    assert second.detail == {"reason": "lost"}
    assert second.at == T0 + timedelta(seconds=1)
