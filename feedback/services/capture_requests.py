"""What a customer asks for on the thank-you page: a call back, or a peer who would benefit.

Both are kept as turns of the invitation's thread for the CSM who follows up; the link's
token opens the survey as for an answer (services.capture).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from feedback.customer_fields import normalise_email
from feedback.services import capture, thread_turns
from feedback.services.errors import InvalidInput
from feedback.wording import N_, Text


def request_callback(
    session: Session, token: str, *, phone: str, best_time: str, now: datetime | None = None
) -> capture.Survey:
    """A detractor asked us to call: kept in the thread for the CSM who follows up."""
    now = now or datetime.now(UTC)
    survey = capture.open_survey(session, token, now)
    phone, best_time = phone.strip(), best_time.strip()
    fields: dict[str, list[str]] = {}
    digits = sum(c.isdigit() for c in phone)
    if digits < 6 or len(phone) > 40:
        fields["phone"] = [
            Text(N_("Enter a phone number we can call, with the country code if abroad."))
        ]
    if len(best_time) > 200:
        fields["best_time"] = [Text(N_("Please keep it under %(limit)s characters."), limit=200)]
    if fields:
        raise InvalidInput(Text(N_("Your call-back request was not sent yet.")), fields)
    body = f"Please call me at {phone}" + (f" ({best_time})" if best_time else "") + "."
    thread_turns.add_turns(session, [capture.said(survey, "callback_request", "page", body, now)])
    session.flush()
    return survey


def refer_peer(
    session: Session,
    token: str,
    *,
    name: str,
    email: str,
    note: str = "",
    now: datetime | None = None,
) -> capture.Survey:
    """A promoter named a peer who would benefit: kept in the thread for the CSM."""
    now = now or datetime.now(UTC)
    survey = capture.open_survey(session, token, now)
    fields: dict[str, list[str]] = {}
    name = name.strip()
    if not name or len(name) > 200:
        fields["name"] = [Text(N_("Enter your colleague's name."))]
    try:
        email = normalise_email(email)
    except ValueError:
        fields["email"] = [Text(N_("Enter your colleague's email address, like name@example.com."))]
    if len(note) > 1000:
        fields["note"] = [Text(N_("Please keep the note under %(limit)s characters."), limit=1000)]
    if fields:
        raise InvalidInput(Text(N_("Your referral was not sent yet.")), fields)
    body = f"Referral: {name} <{email}>" + (f" — {note.strip()}" if note.strip() else "")
    thread_turns.add_turns(session, [capture.said(survey, "referral", "page", body, now)])
    session.flush()
    return survey
