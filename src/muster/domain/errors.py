"""Errors a person can act on. Each has a stable `code` that the API maps to an HTTP status
in one table (api/errors.py); vision and storage raise these, never HTTP errors."""

from __future__ import annotations


class MusterError(Exception):
    """Base of every expected failure. `code` is stable and machine-readable; the message
    says what went wrong and what to do about it."""

    code: str = "muster_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidImageError(MusterError):
    """The bytes are not an image we can decode (corrupt, truncated, empty, not an image)."""

    code = "invalid_image"


class UnsupportedImageError(InvalidImageError):
    """A real image in a format or mode we do not accept."""

    code = "unsupported_image"


class ImageTooLargeError(InvalidImageError):
    """Over the byte or pixel limit (including decompression bombs)."""

    code = "image_too_large"


class ModelUnavailableError(MusterError):
    """A model file is missing or cannot be loaded."""

    code = "model_unavailable"


class NotFoundError(MusterError):
    """A record the request names does not exist (or no longer does)."""

    code = "not_found"


class ConflictError(MusterError):
    """The change clashes with stored data: a duplicate unique name, a stale state."""

    code = "conflict"


class ForbiddenError(MusterError):
    """The caller may not do this here: a feature an admin has turned off, say."""

    code = "forbidden"


class UnauthenticatedError(MusterError):
    """The caller could not be identified: a wrong username or password, say."""

    code = "unauthenticated"


class TooManyAttemptsError(MusterError):
    """Too many wrong guesses (PINs, pairing codes) lately; wait and try again."""

    code = "too_many_attempts"
