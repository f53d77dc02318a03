"""Errors a caller can cause, raised by services and turned into messages by web and API."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: a code for machines, a message for people, an HTTP status for the boundary."""

    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(ServiceError):
    code = "invalid_input"
    status = 422


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class Forbidden(ServiceError):
    """The thing exists but the access rule (feedback.access_rules) keeps it from this person."""

    code = "forbidden"
    status = 403
