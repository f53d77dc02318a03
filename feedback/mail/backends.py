"""Mail backends: how a batch of outbox emails sharing one content leaves this service.

`get_backend(config)` picks one by FEEDBACK_MAIL_BACKEND:

- `console` (the local default) writes one log line per email and calls it sent; the message
  stays readable from its outbox row (content + substitutions) for the /dev/mailbox page.
- `sendgrid` sends up to 1,000 emails in ONE /v3/mail/send request through the official client,
  the per-recipient parts as substitutions, with a timeout on every call.

Backends only report what happened (`SendResult` per email); the delivery service decides what
a result means for the row (retry when, give up when).
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from feedback.backoff import ErrorKind, classify_status, retry_after_seconds
from feedback.mail.substitutions import apply_substitutions
from feedback.models import EmailContent

__all__ = [
    "Backend",
    "ConsoleBackend",
    "Outgoing",
    "SendGridBackend",
    "SendResult",
    "get_backend",
    "sendgrid_payload",
]

log = logging.getLogger("feedback.mail")

SENDGRID_MAX_PERSONALIZATIONS = 1000
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class SendResult:
    """What became of one email: sent, or failed for now (retry), or failed for good."""

    outbox_id: int
    status: Literal["sent", "temporary", "permanent"]
    provider_message_id: str | None = None
    retry_after: float | None = None  # seconds the provider asked us to wait
    rate_limited: bool = False  # the account, not this email, hit a limit (HTTP 429)
    error: str | None = None  # the provider's words, kept for admins on the row
    # The request got no answer (timeout, connection lost): the provider may have the message.
    # The delivery service keeps such rows' "sending" mark and retries them in small batches.
    unknown: bool = False

    @classmethod
    def sent(cls, outbox_id: int, message_id: str | None) -> SendResult:
        return cls(outbox_id, "sent", provider_message_id=message_id)

    @classmethod
    def failed(
        cls,
        outbox_id: int,
        kind: ErrorKind,
        error: str,
        *,
        retry_after: float | None = None,
        rate_limited: bool = False,
        unknown: bool = False,
    ) -> SendResult:
        status: Literal["temporary", "permanent"] = (
            "temporary" if kind is ErrorKind.TEMPORARY else "permanent"
        )
        return cls(outbox_id, status, retry_after=retry_after, rate_limited=rate_limited,
                   error=error[:MAX_ERROR_LENGTH], unknown=unknown)  # fmt: skip


class Outgoing(Protocol):
    """What a backend reads of an outbox row: an OutboxEmail, or delivery's plain copy of one."""

    @property
    def id(self) -> int: ...
    @property
    def to_email(self) -> str: ...
    @property
    def to_name(self) -> str | None: ...
    @property
    def substitutions(self) -> dict[str, Any]: ...
    @property
    def headers(self) -> dict[str, Any]: ...


class Backend(ABC):
    """Sends emails that share one EmailContent; one SendResult per email, in order."""

    name: str = "abstract"
    max_batch: int = SENDGRID_MAX_PERSONALIZATIONS
    # True when the provider has the message once sent, so the outbox need not keep the raw
    # tokens (invitations store only their hashes).
    scrub_after_send: bool = False

    def __init__(self) -> None:
        self.requests = 0  # HTTP requests made, for DeliveryStats

    @abstractmethod
    def send_batch(self, content: EmailContent, emails: Sequence[Outgoing]) -> list[SendResult]:
        """Send `emails` (at most `max_batch`, all of `content`)."""


class ConsoleBackend(Backend):
    """Local development: the email is a log line here and a page at /dev/mailbox."""

    name = "console"

    def send_batch(self, content: EmailContent, emails: Sequence[Outgoing]) -> list[SendResult]:
        results = []
        for email in emails:
            subject = apply_substitutions(content.subject, email.substitutions or {})
            log.info("console mail #%s to %s: %s", email.id, email.to_email, subject)
            results.append(SendResult.sent(email.id, f"console-{email.id}"))
        return results


def sendgrid_payload(content: EmailContent, emails: Sequence[Outgoing]) -> dict[str, Any]:
    """The /v3/mail/send body: one personalization per email, the content once."""
    personalizations = []
    for email in emails:
        to: dict[str, str] = {"email": email.to_email}
        if email.to_name:
            to["name"] = email.to_name
        item: dict[str, Any] = {"to": [to], "custom_args": {"outbox_id": str(email.id)}}
        if email.substitutions:
            item["substitutions"] = {str(k): str(v) for k, v in email.substitutions.items()}
        if email.headers:
            item["headers"] = {str(k): str(v) for k, v in email.headers.items()}
        personalizations.append(item)
    sender: dict[str, str] = {"email": content.from_email}
    if content.from_name:
        sender["name"] = content.from_name
    body: list[dict[str, str]] = []
    if content.text:
        body.append({"type": "text/plain", "value": content.text})
    if content.html:
        body.append({"type": "text/html", "value": content.html})
    payload: dict[str, Any] = {
        "personalizations": personalizations,
        "from": sender,
        "subject": content.subject,
        "content": body,
    }
    if content.reply_to:
        payload["reply_to"] = {"email": content.reply_to}
    return payload


class SendGridBackend(Backend):
    """SendGrid's v3 API through the official client, pointed at `host` (a fake in tests)."""

    name = "sendgrid"
    scrub_after_send = True

    def __init__(self, api_key: str, host: str, timeout: float) -> None:
        import sendgrid

        super().__init__()
        self.timeout = float(timeout)
        self.client = sendgrid.SendGridAPIClient(api_key=api_key, host=host)

    def send_batch(self, content: EmailContent, emails: Sequence[Outgoing]) -> list[SendResult]:
        from python_http_client import exceptions as http_errors

        if not emails:
            return []
        if len(emails) > self.max_batch:
            raise ValueError(f"at most {self.max_batch} emails per request, got {len(emails)}")
        payload = sendgrid_payload(content, emails)
        self.requests += 1
        try:
            # The client has no timeout of its own; without one a stalled connection would
            # hold the batch's lease until it expired and another worker sent it again.
            response = self.client.client.mail.send.post(request_body=payload, timeout=self.timeout)
        except http_errors.HTTPError as exc:
            return self._failed(emails, exc)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            error = f"no answer from SendGrid: {reason or type(exc).__name__}"
            return [SendResult.failed(e.id, ErrorKind.TEMPORARY, error, unknown=True)
                    for e in emails]  # fmt: skip
        if response.status_code not in (200, 202):
            error = f"SendGrid answered HTTP {response.status_code}"
            return [SendResult.failed(e.id, ErrorKind.TEMPORARY, error) for e in emails]
        message_id = _header(response.headers, "X-Message-Id")
        return [SendResult.sent(e.id, message_id) for e in emails]

    def _failed(self, emails: Sequence[Outgoing], exc: Any) -> list[SendResult]:
        status = int(exc.status_code)
        headers = _headers_dict(exc.headers)
        kind = classify_status(status)
        error = f"SendGrid HTTP {status}: {_error_messages(exc.body)}"
        wait = retry_after_seconds(headers, time.time()) if kind is ErrorKind.TEMPORARY else None
        return [
            SendResult.failed(e.id, kind, error, retry_after=wait, rate_limited=status == 429)
            for e in emails
        ]


def _headers_dict(headers: Any) -> dict[str, str]:
    if headers is None:
        return {}
    if hasattr(headers, "items"):
        return {str(k): str(v) for k, v in headers.items()}
    return {}


def _header(headers: Any, name: str) -> str | None:
    value = headers.get(name) if headers is not None else None
    return str(value) if value else None


def _error_messages(body: bytes | str | None) -> str:
    """SendGrid's `errors[].message` (with field), or the raw body when it is not that JSON."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return "(no body)"
    try:
        errors = json.loads(body).get("errors") or []
        parts = []
        for error in errors:
            text = str(error.get("message") or "").strip()
            if error.get("field"):
                text = f"{text} (field: {error['field']})"
            parts.append(text)
        if parts:
            return "; ".join(parts)
    except (ValueError, AttributeError):
        pass
    return body.strip()[:500]


def get_backend(config: Mapping[str, Any]) -> Backend:
    """The backend named by config["MAIL_BACKEND"] (validated at start-up by feedback.config)."""
    name = str(config.get("MAIL_BACKEND") or "console").lower()
    if name == "console":
        return ConsoleBackend()
    if name == "sendgrid":
        return SendGridBackend(
            api_key=str(config["SENDGRID_API_KEY"]),
            host=str(config["SENDGRID_HOST"]),
            timeout=float(config.get("SENDGRID_TIMEOUT") or 10.0),
        )
    raise ValueError(f"unknown mail backend {name!r}")
