"""Webhooks over the API. The signing secret is shown once, when the webhook is created
(or when it is replaced)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, UrlConstraints

from muster.domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from muster.services.webhooks import WebhookEventType

Url = Annotated[
    AnyUrl,
    UrlConstraints(max_length=2000, allowed_schemes=["http", "https"], host_required=True),
    Field(description="Where deliveries are POSTed (http or https)."),
]
Events = Annotated[
    list[WebhookEventType],
    Field(min_length=1, max_length=20, description="Event types to receive."),
]
Secret = Annotated[
    str,
    Field(
        min_length=16,
        max_length=200,
        description="The HMAC-SHA256 signing key; default: a random one, returned once.",
    ),
]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    events: Events
    secret: Secret | None = None


class WebhookUpdate(BaseModel):
    """Only the fields given change; a new secret takes effect for the next attempt."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: Events | None = None
    secret: Secret | None = None
    active: bool | None = None


class WebhookPublic(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, webhook: Webhook) -> Self:
        return cls(
            id=webhook.id,
            url=webhook.url,
            events=sorted(webhook.events),
            active=webhook.active,
            created_at=webhook.created_at,
        )


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret, shown only now.")

    @classmethod
    def created(cls, webhook: Webhook) -> Self:
        return cls(**WebhookPublic.of(webhook).model_dump(), secret=webhook.secret)


class DeliveryPublic(BaseModel):
    id: int
    event: str
    status: DeliveryStatus
    attempts: int = Field(description="Tries made so far.")
    next_attempt_at: datetime | None = Field(description="When a pending delivery is due.")
    last_error: str | None = Field(description="What went wrong on the last failed try.")
    created_at: datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> Self:
        return cls(
            id=delivery.id,
            event=delivery.event,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            payload=delivery.payload,
        )
