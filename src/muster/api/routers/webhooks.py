"""Webhooks: admins register URLs for attendance events and watch their deliveries.
The signature scheme is in `muster.services.webhooks` and docs/api.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from muster.api.deps import AdminDep, ServicesDep
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.webhooks import (
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

WebhookId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.post("", status_code=201, summary="Register a webhook; its secret is shown only now")
def create_webhook(body: WebhookCreate, services: ServicesDep, admin: AdminDep) -> WebhookCreated:
    webhook = services.webhooks.create(
        url=str(body.url), events=body.events, secret=body.secret, actor=admin.actor
    )
    return WebhookCreated.created(webhook)


@router.get("", summary="List webhooks")
def list_webhooks(services: ServicesDep, _: AdminDep) -> list[WebhookPublic]:
    return [WebhookPublic.of(webhook) for webhook in services.webhooks.all()]


@router.get("/{webhook_id}", summary="Read a webhook")
def get_webhook(webhook_id: WebhookId, services: ServicesDep, _: AdminDep) -> WebhookPublic:
    return WebhookPublic.of(services.webhooks.get(webhook_id))


@router.patch("/{webhook_id}", summary="Change a webhook (URL, events, secret, active)")
def update_webhook(
    webhook_id: WebhookId, body: WebhookUpdate, services: ServicesDep, admin: AdminDep
) -> WebhookPublic:
    webhook = services.webhooks.update(
        webhook_id,
        actor=admin.actor,
        url=None if body.url is None else str(body.url),
        events=body.events,
        secret=body.secret,
        active=body.active,
    )
    return WebhookPublic.of(webhook)


@router.delete(
    "/{webhook_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a webhook and its queued deliveries",
)
def delete_webhook(webhook_id: WebhookId, services: ServicesDep, admin: AdminDep) -> None:
    services.webhooks.delete(webhook_id, actor=admin.actor)


@router.get("/{webhook_id}/deliveries", summary="Recent deliveries, newest first")
def list_deliveries(
    webhook_id: WebhookId,
    services: ServicesDep,
    _: AdminDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryPublic]:
    deliveries = services.webhooks.deliveries(webhook_id, limit=limit)
    return [DeliveryPublic.of(delivery) for delivery in deliveries]
