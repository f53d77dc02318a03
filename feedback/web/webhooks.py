"""Webhooks the mail provider calls: SendGrid's event webhook (delivery, bounces, spam reports,
unsubscribes). No session, no CSRF token: each post is authenticated by its signature."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from feedback import db
from feedback.access import api_error, public
from feedback.extensions import csrf
from feedback.mail import webhook_signature
from feedback.services import suppression
from feedback.services.errors import InvalidInput

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)


@bp.post("/sendgrid/events")
@public
def sendgrid_events() -> Any:
    key = current_app.config.get("SENDGRID_WEBHOOK_PUBLIC_KEY")
    if not key:
        current_app.logger.error(
            "SendGrid event webhook refused a post: FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY is not "
            "set (copy the verification key from SendGrid's Mail Settings > Event Webhook)"
        )
        return api_error(403, "forbidden", "Event webhook is not configured.")
    raw = request.get_data(cache=True)
    try:
        webhook_signature.verify(
            raw,
            request.headers.get(webhook_signature.SIGNATURE_HEADER),
            request.headers.get(webhook_signature.TIMESTAMP_HEADER),
            str(key),
            float(current_app.config.get("SENDGRID_WEBHOOK_MAX_AGE") or 300),
        )
    except webhook_signature.KeyInvalid as exc:
        current_app.logger.error(
            "SendGrid event webhook refused a post: FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY cannot "
            "be read as a base64 DER public key (%s)", exc
        )  # fmt: skip
        return api_error(403, "forbidden", "Event webhook is not configured.")
    except webhook_signature.SignatureRejected as exc:
        current_app.logger.warning("SendGrid event webhook refused a post: %s", exc)
        return api_error(403, "forbidden", f"Signature refused: {exc}.")
    try:
        events = json.loads(raw)
    except ValueError:
        return api_error(400, "bad_request", "The body is not valid JSON.")
    try:
        with db.transaction() as session:
            counts = suppression.record_events(session, events)
    except InvalidInput as exc:
        return api_error(400, "bad_request", exc.message)
    return jsonify({"status": "ok", **counts})
