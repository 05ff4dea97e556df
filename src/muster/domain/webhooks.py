"""Outgoing webhooks: subscriptions and the queue of deliveries to make.

A delivery is retried until it succeeds or its attempts run out; `next_attempt_at` says when
it is due again, so several replicas can share the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from muster.domain.attendance import ensure_utc


@dataclass(frozen=True, slots=True, kw_only=True)
class Webhook:
    """A URL that receives `events` (names such as "attendance.created"), signed with
    `secret` (kept in clear: signing needs it)."""

    id: int
    url: str
    secret: str
    events: frozenset[str]
    active: bool
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", ensure_utc(self.created_at, "Webhook.created_at"))


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Gave up: no attempts left."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDelivery:
    """One event to send to one webhook. `attempts` counts the tries made so far;
    `next_attempt_at` is when a PENDING delivery is due (None once it is final)."""

    id: int
    webhook_id: int
    event: str
    payload: dict[str, Any] = field(default_factory=dict)
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    last_error: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", ensure_utc(self.created_at, "created_at"))
        if self.next_attempt_at is not None:
            object.__setattr__(
                self, "next_attempt_at", ensure_utc(self.next_attempt_at, "next_attempt_at")
            )
