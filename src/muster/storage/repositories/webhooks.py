"""Webhook subscriptions and their delivery queue, shared safely by several workers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from muster.storage.database import Database
from muster.storage.repositories.base import Clock, get_row, utc_now
from muster.storage.tables import WebhookDeliveryRow, WebhookRow


class WebhookRepository:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def create(
        self, *, url: str, secret: str, events: Iterable[str], active: bool = True
    ) -> Webhook:
        with self._db.write() as session:
            row = WebhookRow(
                url=url,
                secret=secret,
                events=sorted(set(events)),
                active=active,
                created_at=self._clock(),
            )
            session.add(row)
            session.flush()
            return _to_webhook(row)

    def get(self, webhook_id: int) -> Webhook:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_webhook(get_row(session, WebhookRow, webhook_id, "webhook"))

    def all(self, *, active_only: bool = False) -> list[Webhook]:
        query = select(WebhookRow).order_by(WebhookRow.id)
        if active_only:
            query = query.where(WebhookRow.active.is_(True))
        with self._db.read() as session:
            return [_to_webhook(row) for row in session.scalars(query)]

    def save(self, webhook: Webhook) -> Webhook:
        """Store url, secret, events and active. Raises NotFoundError."""
        with self._db.write() as session:
            row = get_row(session, WebhookRow, webhook.id, "webhook")
            row.url, row.secret, row.active = webhook.url, webhook.secret, webhook.active
            row.events = sorted(webhook.events)
            session.flush()
            return _to_webhook(row)

    def delete(self, webhook_id: int) -> None:
        """Delete the webhook and its deliveries. Raises NotFoundError."""
        with self._db.write() as session:
            session.delete(get_row(session, WebhookRow, webhook_id, "webhook"))

    def enqueue(self, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
        """Queue `event` for every active webhook subscribed to it, due now."""
        now = self._clock()
        with self._db.write() as session:
            hooks = session.scalars(select(WebhookRow).where(WebhookRow.active.is_(True)))
            rows = [
                WebhookDeliveryRow(
                    webhook_id=hook.id,
                    event=event,
                    payload=payload,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
                for hook in hooks
                if event in hook.events
            ]
            session.add_all(rows)
            session.flush()
            return [_to_delivery(row) for row in rows]

    def claim_due(self, *, limit: int, lease_s: float) -> list[WebhookDelivery]:
        """Take up to `limit` PENDING deliveries that are due, oldest due first, and count
        an attempt on each. Their `next_attempt_at` moves `lease_s` ahead, so other workers
        skip them meanwhile and a worker that dies mid-send only delays them; report each
        outcome with `mark_delivered` or `mark_failed`."""
        now = self._clock()
        query = (
            select(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.status == DeliveryStatus.PENDING,
                WebhookDeliveryRow.next_attempt_at <= now,
            )
            .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
            .limit(limit)
            # PostgreSQL: concurrent workers take different rows instead of waiting.
            .with_for_update(skip_locked=True)
        )
        with self._db.write() as session:
            rows = list(session.scalars(query))
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + timedelta(seconds=lease_s)
            session.flush()
            return [_to_delivery(row) for row in rows]

    def mark_delivered(self, delivery_id: int) -> WebhookDelivery:
        """Raises NotFoundError, ConflictError when the delivery is already final."""
        with self._db.write() as session:
            row = _pending(session, delivery_id)
            row.status = DeliveryStatus.DELIVERED
            row.next_attempt_at = None
            row.last_error = None
            session.flush()
            return _to_delivery(row)

    def mark_failed(
        self, delivery_id: int, *, error: str, retry_at: datetime | None
    ) -> WebhookDelivery:
        """Record a failed attempt: retried at `retry_at`, or FAILED for good when None.
        Raises NotFoundError, ConflictError when the delivery is already final."""
        with self._db.write() as session:
            row = _pending(session, delivery_id)
            row.last_error = error
            row.next_attempt_at = retry_at
            if retry_at is None:
                row.status = DeliveryStatus.FAILED
            session.flush()
            return _to_delivery(row)

    def deliveries(self, webhook_id: int, *, limit: int = 100) -> list[WebhookDelivery]:
        """The webhook's deliveries, newest first."""
        query = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.webhook_id == webhook_id)
            .order_by(WebhookDeliveryRow.id.desc())
            .limit(limit)
        )
        with self._db.read() as session:
            return [_to_delivery(row) for row in session.scalars(query)]


def _pending(session: Session, delivery_id: int) -> WebhookDeliveryRow:
    row = session.scalars(
        select(WebhookDeliveryRow).where(WebhookDeliveryRow.id == delivery_id).with_for_update()
    ).first()
    if row is None:
        raise NotFoundError(f"no webhook delivery with id {delivery_id}")
    if row.status is not DeliveryStatus.PENDING:
        raise ConflictError(f"webhook delivery {delivery_id} is already {row.status.value}")
    return row


def _to_webhook(row: WebhookRow) -> Webhook:
    return Webhook(
        id=row.id,
        url=row.url,
        secret=row.secret,
        events=frozenset(row.events),
        active=row.active,
        created_at=row.created_at,
    )


def _to_delivery(row: WebhookDeliveryRow) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event=row.event,
        payload=dict(row.payload),
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        last_error=row.last_error,
    )
