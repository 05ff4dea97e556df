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
FRAMES_PART = "frames"
FRAMES_BASE64_FIELD = "frames_base64"
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


@dataclass(frozen=True, slots=True)
class FilesShape:
    """Where a request shape carries its files: the multipart part name, the JSON field of
    base64 strings, how many files it may hold, and how messages name them."""

    part: str
    base64_field: str
    max_files: int
    noun: str  # "the image", "the photos"


async def read_image_upload(request: Request) -> ImageUpload:
    """A FastAPI dependency: the uploaded image and fields of this request."""
    shape = FilesShape(IMAGE_PART, IMAGE_BASE64_FIELD, max_files=1, noun="the image")
    files, fields = await read_files_upload(request, shape)
    return ImageUpload(image=files[0][1], fields=fields)


async def read_photos_upload(request: Request) -> PhotosUpload:
    """A FastAPI dependency for requests carrying several photos: multipart/form-data with
    one or more file parts named `photos`, or JSON with `photos_base64`, a list of base64
    strings. The body cap allows the most photos an enrolment request may carry."""
    max_photos = get_services(request).settings.enrolment.max_photos_per_request
    shape = FilesShape(PHOTOS_PART, PHOTOS_BASE64_FIELD, max_files=max_photos, noun="the photos")
    files, fields = await read_files_upload(request, shape)
    return PhotosUpload(photos=files, fields=fields)


async def read_frames_upload(request: Request) -> PhotosUpload:
    """A FastAPI dependency for a burst of video frames (a liveness challenge's answer):
    `frames` file parts in capture order, or JSON with `frames_base64`; at most
    liveness.max_challenge_frames of them."""
    max_frames = get_services(request).settings.liveness.max_challenge_frames
    shape = FilesShape(FRAMES_PART, FRAMES_BASE64_FIELD, max_files=max_frames, noun="the frames")
    files, fields = await read_files_upload(request, shape)
    return PhotosUpload(photos=files, fields=fields)


async def read_files_upload(
    request: Request, shape: FilesShape
) -> tuple[list[tuple[str | None, bytes]], dict[str, Any]]:
    """The files (file name or None, still-encoded bytes) and the other fields of a request
    in either shape. The body is capped at `shape.max_files` images of the byte limit."""
    max_image_bytes = get_services(request).settings.vision.limits.max_bytes
    cap_bytes = shape.max_files * (max_image_bytes * 4 // 3) + _MULTIPART_OVERHEAD_BYTES
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {"multipart/form-data", "application/json"}:
        raise UnsupportedMediaTypeError(
            f"send {shape.noun} as multipart/form-data ('{shape.part}' file part) or as JSON "
            f"with '{shape.base64_field}'; got content type {content_type or 'none'!r}"
        )
    body = await _read_capped(request, cap_bytes)
    if content_type == "application/json":
        return _files_from_json(body, shape)
    return await _files_from_multipart(request, body, shape)


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


def _files_from_json(
    body: bytes, shape: FilesShape
) -> tuple[list[tuple[str | None, bytes]], dict[str, Any]]:
    """JSON: one base64 string when the shape holds one file, else a non-empty list."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid("", f"the body is not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise invalid("", "the JSON body must be an object")
    encoded = document.pop(shape.base64_field, None)
    items = [encoded] if shape.max_files == 1 else encoded
    if (
        not isinstance(items, list)
        or not items
        or not all(isinstance(item, str) and item.strip() for item in items)
    ):
        wanted = (
            "a base64-encoded image"
            if shape.max_files == 1
            else "a non-empty list of base64-encoded images"
        )
        raise invalid(shape.base64_field, f"{wanted} is required")
    if len(items) > shape.max_files:
        raise invalid(shape.base64_field, f"at most {shape.max_files} images per request")
    return [(None, _decode_base64(item, shape.base64_field)) for item in items], document


def _decode_base64(encoded: str, field: str) -> bytes:
    text = encoded.strip()
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if not header.endswith(";base64"):
            raise invalid(field, "a data: URL must be base64-encoded")
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid(field, f"not valid base64 ({exc})") from exc


async def _files_from_multipart(
    request: Request, body: bytes, shape: FilesShape
) -> tuple[list[tuple[str | None, bytes]], dict[str, Any]]:
    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(
            max_files=shape.max_files, max_fields=_MAX_FIELDS
        )
    except HTTPException as exc:  # malformed, or more files than max_files
        raise invalid("", f"unusable multipart body ({exc.detail})") from exc
    try:
        fields: dict[str, Any] = {}
        files: list[tuple[str | None, bytes]] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != shape.part:
                    raise invalid(name, f"only '{shape.part}' parts may be files")
                files.append((value.filename, await value.read()))
            elif name == shape.part:
                raise invalid(shape.part, "must be a file part, not a text field")
            else:
                fields[name] = value
        if not files:
            raise invalid(shape.part, f"a file part named '{shape.part}' is required")
        return files, fields
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
    return _files_upload_openapi(fields, PHOTOS_PART, PHOTOS_BASE64_FIELD, "The photos")


def frames_upload_openapi(fields: type[BaseModel] | None = None) -> dict[str, Any]:
    """`openapi_extra` for routes reading `read_frames_upload`, with the extra `fields`."""
    return _files_upload_openapi(
        fields, FRAMES_PART, FRAMES_BASE64_FIELD, "The frames, in capture order"
    )


def _files_upload_openapi(
    fields: type[BaseModel] | None, part: str, base64_field: str, what: str
) -> dict[str, Any]:
    """Both request shapes of a route that takes several files: repeated `part` file parts,
    or a JSON list of base64 strings in `base64_field`."""
    return _upload_openapi(
        fields,
        (
            part,
            {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": f"{what} (repeat the part).",
            },
        ),
        (
            base64_field,
            {
                "type": "array",
                "items": {"type": "string"},
                "description": f"{what}, base64 (data: URLs are accepted too).",
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
