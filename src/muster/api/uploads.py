"""Image uploads in the two shapes clients send: multipart/form-data with an `image` file
part, or JSON with `image_base64` (plain base64 or a `data:image/...;base64,` URL). Other
fields ride along in either shape and are validated by the route's own model.

The body is read here, once, up to a cap derived from the image byte limit (base64 adds a
third), before anything is parsed: a huge upload is refused with 413 without being buffered
whole, a malformed one with 422, another content type with 415.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message

from muster.api.deps import get_services
from muster.domain.errors import ImageTooLargeError, UnsupportedImageError

IMAGE_PART = "image"
IMAGE_BASE64_FIELD = "image_base64"
PHOTOS_PART = "photos"
PHOTOS_BASE64_FIELD = "photos_base64"
_MULTIPART_OVERHEAD_BYTES = 64 * 1024
_MAX_FIELDS = 20

ModelT = TypeVar("ModelT", bound=BaseModel)


class UnsupportedMediaTypeError(UnsupportedImageError):
    """The request body is neither multipart/form-data nor JSON."""

    code = "unsupported_media_type"


@dataclass(frozen=True, slots=True)
class ImageUpload:
    """The image bytes (still encoded) and the other fields of the request."""

    image: bytes
    fields: dict[str, Any]

    def fields_as(self, model: type[ModelT]) -> ModelT:
        """The fields validated by `model`; a 422 with details when they do not fit."""
        return validate_fields(model, self.fields)


@dataclass(frozen=True, slots=True)
class PhotosUpload:
    """Several images (still encoded), each with the file name the client gave it (None in
    JSON), and the other fields of the request."""

    photos: list[tuple[str | None, bytes]]
    fields: dict[str, Any]

    def fields_as(self, model: type[ModelT]) -> ModelT:
        """The fields validated by `model`; a 422 with details when they do not fit."""
        return validate_fields(model, self.fields)


def validate_fields(model: type[ModelT], fields: dict[str, Any]) -> ModelT:
    """`fields` validated by `model`; a 422 with details when they do not fit."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from exc


def invalid(field: str, problem: str) -> RequestValidationError:
    """A 422 about one body field, in the shape of FastAPI's own validation errors."""
    return RequestValidationError([{"loc": ("body", field), "msg": problem, "type": "value_error"}])


async def read_image_upload(request: Request) -> ImageUpload:
    """A FastAPI dependency: the uploaded image and fields of this request."""
    max_image_bytes = get_services(request).settings.vision.limits.max_bytes
    cap_bytes = max_image_bytes * 4 // 3 + _MULTIPART_OVERHEAD_BYTES
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {"multipart/form-data", "application/json"}:
        raise UnsupportedMediaTypeError(
            f"send the image as multipart/form-data (an '{IMAGE_PART}' file part) or as JSON "
            f"with '{IMAGE_BASE64_FIELD}'; got content type {content_type or 'none'!r}"
        )
    body = await _read_capped(request, cap_bytes)
    if content_type == "application/json":
        return _from_json(body)
    return await _from_multipart(request, body)


async def _read_capped(request: Request, cap_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap_bytes:
        raise _too_large(cap_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap_bytes:
            raise _too_large(cap_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(cap_bytes: int) -> ImageTooLargeError:
    return ImageTooLargeError(
        f"the request body is over {cap_bytes // (1024 * 1024)} MiB; send a smaller image"
    )


def _from_json(body: bytes) -> ImageUpload:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid("", f"the body is not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise invalid("", "the JSON body must be an object")
    encoded = document.pop(IMAGE_BASE64_FIELD, None)
    if not isinstance(encoded, str) or not encoded.strip():
        raise invalid(IMAGE_BASE64_FIELD, "a base64-encoded image is required")
    return ImageUpload(image=_decode_base64(encoded), fields=document)


def _decode_base64(encoded: str, field: str = IMAGE_BASE64_FIELD) -> bytes:
    text = encoded.strip()
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if not header.endswith(";base64"):
            raise invalid(field, "a data: URL must be base64-encoded")
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid(field, f"not valid base64 ({exc})") from exc


async def _from_multipart(request: Request, body: bytes) -> ImageUpload:
    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=_MAX_FIELDS)
    except HTTPException as exc:  # Starlette's answer to a malformed multipart body
        raise invalid("", f"malformed multipart body ({exc.detail})") from exc
    try:
        fields: dict[str, Any] = {}
        image: bytes | None = None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != IMAGE_PART:
                    raise invalid(name, f"only the '{IMAGE_PART}' part may be a file")
                image = await value.read()
            elif name == IMAGE_PART:
                raise invalid(IMAGE_PART, "must be a file part, not a text field")
            else:
                fields[name] = value
        if image is None:
            raise invalid(IMAGE_PART, f"an image file part named '{IMAGE_PART}' is required")
        return ImageUpload(image=image, fields=fields)
    finally:
        await form.close()


async def read_photos_upload(request: Request) -> PhotosUpload:
    """A FastAPI dependency for requests carrying several photos: multipart/form-data with
    one or more file parts named `photos`, or JSON with `photos_base64`, a list of base64
    strings. The body cap allows the most photos an enrolment request may carry."""
    settings = get_services(request).settings
    max_photos = settings.enrolment.max_photos_per_request
    cap_bytes = max_photos * (settings.vision.limits.max_bytes * 4 // 3) + _MULTIPART_OVERHEAD_BYTES
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {"multipart/form-data", "application/json"}:
        raise UnsupportedMediaTypeError(
            f"send the photos as multipart/form-data ('{PHOTOS_PART}' file parts) or as JSON "
            f"with '{PHOTOS_BASE64_FIELD}'; got content type {content_type or 'none'!r}"
        )
    body = await _read_capped(request, cap_bytes)
    if content_type == "application/json":
        return _photos_from_json(body)
    return await _photos_from_multipart(request, body, max_photos)


def _photos_from_json(body: bytes) -> PhotosUpload:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid("", f"the body is not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise invalid("", "the JSON body must be an object")
    encoded = document.pop(PHOTOS_BASE64_FIELD, None)
    if (
        not isinstance(encoded, list)
        or not encoded
        or not all(isinstance(item, str) and item.strip() for item in encoded)
    ):
        raise invalid(PHOTOS_BASE64_FIELD, "a non-empty list of base64-encoded photos is required")
    photos: list[tuple[str | None, bytes]] = [
        (None, _decode_base64(item, PHOTOS_BASE64_FIELD)) for item in encoded
    ]
    return PhotosUpload(photos=photos, fields=document)


async def _photos_from_multipart(request: Request, body: bytes, max_photos: int) -> PhotosUpload:
    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(
            max_files=max_photos, max_fields=_MAX_FIELDS
        )
    except HTTPException as exc:  # malformed, or more files than max_photos
        raise invalid("", f"unusable multipart body ({exc.detail})") from exc
    try:
        fields: dict[str, Any] = {}
        photos: list[tuple[str | None, bytes]] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != PHOTOS_PART:
                    raise invalid(name, f"only '{PHOTOS_PART}' parts may be files")
                photos.append((value.filename, await value.read()))
            elif name == PHOTOS_PART:
                raise invalid(PHOTOS_PART, "must be file parts, not text fields")
            else:
                fields[name] = value
        if not photos:
            raise invalid(PHOTOS_PART, f"at least one photo file part named '{PHOTOS_PART}'")
        return PhotosUpload(photos=photos, fields=fields)
    finally:
        await form.close()


def image_upload_openapi(fields: type[BaseModel] | None = None) -> dict[str, Any]:
    """`openapi_extra` documenting both request shapes of an upload route, with the
    extra `fields` (a model's properties) alongside the image."""
    return _upload_openapi(
        fields,
        (IMAGE_PART, {"type": "string", "format": "binary", "description": "The photo."}),
        (
            IMAGE_BASE64_FIELD,
            {"type": "string", "description": "The photo, base64 (a data: URL is accepted too)."},
        ),
    )


def photos_upload_openapi(fields: type[BaseModel] | None = None) -> dict[str, Any]:
    """`openapi_extra` for routes reading `read_photos_upload`, with the extra `fields`."""
    return _upload_openapi(
        fields,
        (
            PHOTOS_PART,
            {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": "One or more photos (repeat the part).",
            },
        ),
        (
            PHOTOS_BASE64_FIELD,
            {
                "type": "array",
                "items": {"type": "string"},
                "description": "The photos, base64 (data: URLs are accepted too).",
            },
        ),
    )


def _upload_openapi(
    fields: type[BaseModel] | None,
    multipart_image: tuple[str, dict[str, Any]],
    json_image: tuple[str, dict[str, Any]],
) -> dict[str, Any]:
    schema: dict[str, Any] = fields.model_json_schema() if fields else {"properties": {}}
    properties: dict[str, Any] = schema.get("properties", {})
    required: Sequence[str] = schema.get("required", [])

    def variant(image: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        image_name, image_property = image
        return {
            "schema": {
                "type": "object",
                "properties": {image_name: image_property, **properties},
                "required": [image_name, *required],
            }
        }

    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": variant(multipart_image),
                "application/json": variant(json_image),
            },
        }
    }
