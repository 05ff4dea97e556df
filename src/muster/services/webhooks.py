"""Outgoing webhooks: subscriptions, signed deliveries, and the dispatcher that retries them.

Every delivery is a POST of a JSON body

    {"id": <delivery id>, "event": "attendance.created", "created_at": "<ISO 8601>",
     "data": {...}}

with the headers

    Content-Type: application/json
    X-Muster-Event: attendance.created
    X-Muster-Delivery: <delivery id>        (the same on every retry: receivers dedupe on it)
    X-Muster-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>

where v1 is HMAC-SHA256 keyed with the webhook's secret over the bytes
``f"{t}.".encode() + body``. A receiver recomputes it over the raw body, compares in constant
time, and rejects a `t` older than a few minutes (replays); `verify_signature` does all three.

A 2xx answer delivers; anything else (an error status, a timeout, a refused connection) is a
failed attempt, retried after backoff_initial_s, then twice as long each time, each wait
stretched by up to 25 % at random (so a receiver coming back is not hit by every delivery at
once) and capped at backoff_max_s, until max_attempts, after which the delivery is FAILED.
Attempts and the last error are kept on the delivery row (GET /webhooks/{id}/deliveries).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx

from muster.config import WebhookSettings
from muster.domain.errors import MusterError
from muster.domain.webhooks import Webhook, WebhookDelivery
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.webhooks import WebhookRepository

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Muster-Signature"
EVENT_HEADER = "X-Muster-Event"
DELIVERY_HEADER = "X-Muster-Delivery"
SIGNATURE_TOLERANCE_S = 300
_SECRET_BYTES = 32
_ERROR_MAX_CHARS = 500
_JITTER = 0.25


class WebhookEventType(StrEnum):
    ATTENDANCE_CREATED = "attendance.created"
    """A check-in or check-out was recorded; data: the event."""
    LIVENESS_DEVICE_PAUSED = "liveness.device_paused"
    """Face check-in on a device paused after repeated failed liveness checks; data: the
    device id, the failures counted and when the pause ends."""


def sign(secret: str, body: bytes, timestamp_s: int) -> str:
    """The X-Muster-Signature value for `body` sent at `timestamp_s` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return f"t={timestamp_s},v1={digest.hexdigest()}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    now_s: float,
    tolerance_s: float = SIGNATURE_TOLERANCE_S,
) -> bool:
    """True when `header` is a valid signature of `body` made at most `tolerance_s` from
    `now_s` (what a receiver should check)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp_s = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now_s - timestamp_s) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp_s).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed (and signed) for `delivery`."""
    document = {
        "id": delivery.id,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


class WebhookService:
    """Subscriptions (admin actions, each audited) and publishing events to them."""

    def __init__(self, webhooks: WebhookRepository, audit: AuditRepository) -> None:
        self._webhooks = webhooks
        self._audit = audit

    def create(
        self,
        *,
        url: str,
        events: Iterable[WebhookEventType],
        secret: str | None,
        actor: str,
    ) -> Webhook:
        """A new active webhook; a secret is drawn when none is given."""
        webhook = self._webhooks.create(
            url=url, secret=secret or secrets.token_urlsafe(_SECRET_BYTES), events=events
        )
        self._audit_change(actor, "webhook.created", webhook)
        return webhook

    def all(self) -> list[Webhook]:
        return self._webhooks.all()

    def get(self, webhook_id: int) -> Webhook:
        """Raises NotFoundError."""
        return self._webhooks.get(webhook_id)

    def update(
        self,
        webhook_id: int,
        *,
        actor: str,
        url: str | None = None,
        events: Iterable[WebhookEventType] | None = None,
        secret: str | None = None,
        active: bool | None = None,
    ) -> Webhook:
        """Change the given fields. Raises NotFoundError."""
        current = self._webhooks.get(webhook_id)
        changed = replace(
            current,
            url=current.url if url is None else url,
            events=current.events if events is None else frozenset(events),
            secret=current.secret if secret is None else secret,
            active=current.active if active is None else active,
        )
        webhook = self._webhooks.save(changed)
        self._audit_change(actor, "webhook.updated", webhook, secret_rotated=secret is not None)
        return webhook

    def delete(self, webhook_id: int, *, actor: str) -> None:
        """Delete the webhook and its queued deliveries. Raises NotFoundError."""
        self._webhooks.delete(webhook_id)
        self._audit.record(
            actor=actor, action="webhook.deleted", target_type="webhook", target_id=webhook_id
        )

    def deliveries(self, webhook_id: int, *, limit: int) -> list[WebhookDelivery]:
        """The webhook's deliveries, newest first. Raises NotFoundError."""
        self._webhooks.get(webhook_id)
        return self._webhooks.deliveries(webhook_id, limit=limit)

    def publish(self, event: WebhookEventType, data: dict[str, Any]) -> list[WebhookDelivery]:
        """Queue `event` for every active webhook subscribed to it; the dispatcher sends."""
        return self._webhooks.enqueue(event.value, data)

    def _audit_change(
        self, actor: str, action: str, webhook: Webhook, *, secret_rotated: bool = False
    ) -> None:
        # The URL is configuration, not personal data; the secret is never logged.
        self._audit.record(
            actor=actor,
            action=action,
            target_type="webhook",
            target_id=webhook.id,
            detail={
                "url": webhook.url,
                "events": sorted(webhook.events),
                "active": webhook.active,
                "secret_rotated": secret_rotated,
            },
        )


class WebhookDispatcher:
    """Sends due deliveries; `run()` is the background loop the app's lifespan starts and
    cancels. Several replicas may each run one: `claim_due` hands a delivery to one of them
    at a time (a lease), so each attempt is made once."""

    def __init__(
        self,
        webhooks: WebhookRepository,
        settings: WebhookSettings,
        *,
        clock: Clock = utc_now,
        batch_size: int = 20,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._webhooks = webhooks
        self._settings = settings
        self._clock = clock
        self._batch_size = batch_size
        self._transport = transport

    async def run(self) -> None:
        """Dispatch until cancelled; a failing database or receiver is logged, not fatal."""
        async with httpx.AsyncClient(
            timeout=self._settings.request_timeout_s, transport=self._transport
        ) as client:
            while True:
                try:
                    sent = await self.dispatch_due(client)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook dispatch failed; retrying after the poll interval")
                    sent = 0
                if sent < self._batch_size:
                    await asyncio.sleep(self._settings.poll_interval_s)

    async def dispatch_due(self, client: httpx.AsyncClient) -> int:
        """Make one attempt at each due delivery (up to a batch); returns how many."""
        # The lease outlasts the slowest attempt, so no other worker retries meanwhile.
        lease_s = 2 * self._settings.request_timeout_s + 5
        due = await asyncio.to_thread(
            self._webhooks.claim_due, limit=self._batch_size, lease_s=lease_s
        )
        await asyncio.gather(*(self._attempt(client, delivery) for delivery in due))
        return len(due)

    async def _attempt(self, client: httpx.AsyncClient, delivery: WebhookDelivery) -> None:
        try:
            webhook = await asyncio.to_thread(self._webhooks.get, delivery.webhook_id)
        except MusterError:
            return  # deleted meanwhile, with its deliveries
        body = delivery_body(delivery)
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.id),
            SIGNATURE_HEADER: sign(webhook.secret, body, int(time.time())),
        }
        error: str | None = None
        try:
            response = await client.post(webhook.url, content=body, headers=headers)
            if not response.is_success:
                error = f"HTTP {response.status_code} from the receiver"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX_CHARS]
        await asyncio.to_thread(self._record, delivery, error)

    def _record(self, delivery: WebhookDelivery, error: str | None) -> None:
        try:
            if error is None:
                self._webhooks.mark_delivered(delivery.id)
                return
            retry_at = self.retry_at(delivery.attempts)
            log.info(
                "webhook delivery %s attempt %s failed (%s); %s",
                delivery.id,
                delivery.attempts,
                error,
                "giving up" if retry_at is None else f"retrying at {retry_at.isoformat()}",
            )
            self._webhooks.mark_failed(delivery.id, error=error, retry_at=retry_at)
        except MusterError as exc:
            # Deleted with its webhook, or finished by another worker after a lost lease.
            log.info("webhook delivery %s not updated: %s", delivery.id, exc.message)

    def retry_at(self, attempts: int) -> datetime | None:
        """When to try again after `attempts` failed tries (None: give up)."""
        # Random jitter spreads the retries of many deliveries; it is not a security use.
        delay_s = retry_delay_s(attempts, self._settings, jitter=random.random())
        return None if delay_s is None else self._clock() + timedelta(seconds=delay_s)


def retry_delay_s(attempts: int, settings: WebhookSettings, *, jitter: float) -> float | None:
    """Seconds to wait after `attempts` failed tries, or None when they are used up:
    backoff_initial_s doubled per further attempt, stretched by up to 25 % (`jitter` in
    0..1), capped at backoff_max_s."""
    if attempts >= settings.max_attempts:
        return None
    base_s = settings.backoff_initial_s * 2.0 ** max(attempts - 1, 0)
    return min(settings.backoff_max_s, base_s * (1.0 + _JITTER * jitter))
