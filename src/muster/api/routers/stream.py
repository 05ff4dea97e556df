"""Recognition in a video stream over a WebSocket: /ws/stream?device=ID.

Protocol: the device authenticates with its device key, either in the URL (`&token=msk_...`)
or as the first (text) message `{"token": "msk_..."}`. It then sends each frame as one
binary message (JPEG or PNG bytes) and gets one JSON text message back per frame,
`StreamFramePublic`: the tracked faces and any check-ins that frame decided. A frame that is
not an acceptable image is answered `{"error": {"code", "message"}}` and the stream goes on.
With liveness required, each track carries its liveness state and is checked in only once
it passed (see `muster.services.streaming`).
A refused key or device closes the socket with code 1008 after an error message.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from muster.api.errors import error_body
from muster.api.schemas.stream import StreamAuth, StreamFramePublic
from muster.domain.errors import MusterError
from muster.domain.people import Role
from muster.services.container import Services
from muster.services.streaming import StreamSession

router = APIRouter(tags=["stream"])
_log = logging.getLogger(__name__)


class _RefusedError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@router.websocket("/ws/stream")
async def stream(websocket: WebSocket, device: int, token: str | None = None) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    try:
        session = await _open_session(websocket, services, device, token)
    except _RefusedError as refused:
        await websocket.send_json(error_body(refused.code, refused.message))
        await websocket.close(status.WS_1008_POLICY_VIOLATION, refused.message[:120])
        return
    except WebSocketDisconnect:
        return
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data is None:
                await websocket.send_json(
                    error_body("expected_binary_frame", "send each frame as a binary message")
                )
                continue
            await websocket.send_json(await _answer(session, data))
    except WebSocketDisconnect:
        return


async def _answer(session: StreamSession, data: bytes) -> dict[str, object]:
    try:
        report = await run_in_threadpool(session.process_bytes, data)
    except MusterError as exc:  # a corrupt, empty or oversized frame
        return error_body(exc.code, exc.message)
    return StreamFramePublic.of(report).model_dump(mode="json", exclude_none=True)


async def _open_session(
    websocket: WebSocket, services: Services, device_id: int, token: str | None
) -> StreamSession:
    """Authenticates the device key (from the URL or the first message) for `device_id`."""
    if token is None:
        try:
            token = StreamAuth.model_validate_json(await websocket.receive_text()).token
        except (ValidationError, KeyError, TypeError) as exc:
            raise _RefusedError(
                "unauthenticated", 'send {"token": "msk_..."} first, or ?token= in the URL'
            ) from exc
    try:
        principal = await run_in_threadpool(services.keys.authenticate, token)
    except MusterError as exc:
        raise _RefusedError(exc.code, exc.message) from exc
    if principal.role is not Role.DEVICE or principal.device_id != device_id:
        raise _RefusedError("forbidden", f"this needs the device key of device {device_id}")
    try:
        return await run_in_threadpool(services.streaming.open, device_id)
    except MusterError as exc:
        raise _RefusedError(exc.code, exc.message) from exc
