"""Password reset by an emailed one-time link, and a person changing their own password.

The link holds a random token whose SHA-256 alone is stored; it expires after RESET_VALID_FOR
and works once (using one also voids the person's other outstanding links). Asking for a link
answers the same whether or not the address has an account: only an active user gets an email.
Setting a new password raises the session epoch, so every session signed in before ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback.db import utcnow
from feedback.models import OutboxEmail, PasswordReset, User
from feedback.services import org, staff_mail
from feedback.services.errors import InvalidInput, ServiceError
from feedback.tokens import hash_token, looks_like_token, new_token

RESET_VALID_FOR = timedelta(hours=1)


class LinkUnusable(ServiceError):
    """The link is unknown, used or expired: the page says so and offers a new one."""

    code = "link_unusable"
    status = 410


def request_reset(
    session: Session,
    config: Mapping[str, Any],
    email: str,
    link_for: Callable[[str], str],
    now: datetime | None = None,
) -> OutboxEmail | None:
    """Email a reset link to the active user with this address; nobody else gets anything
    (the caller shows the same answer either way, so the page tells no one who has an account)."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active:
        return None
    token = new_token()
    session.add(PasswordReset(user_id=user.id, token_hash=hash_token(token), created_at=now,
                              expires_at=now + RESET_VALID_FOR))  # fmt: skip
    session.flush()
    minutes = int(RESET_VALID_FOR.total_seconds() // 60)
    return staff_mail.staff_email(session, config, kind="password_reset", template="password_reset",
                                  to=user, subject="Reset your feedback service password",
                                  now=now, link=link_for(token), minutes=minutes)  # fmt: skip


def _usable(session: Session, token: str, now: datetime) -> PasswordReset:
    row = None
    if looks_like_token(token):
        query = select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
        row = session.scalar(query)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkUnusable(
            "This reset link is invalid, already used or expired (links work for "
            f"{int(RESET_VALID_FOR.total_seconds() // 60)} minutes, once). Ask for a new one."
        )
    return row


def check_link(session: Session, token: str, now: datetime | None = None) -> User:
    """The person a still-usable link belongs to (the reset page shows the form only then)."""
    row = _usable(session, token, now or utcnow())
    return session.get(User, row.user_id)  # type: ignore[return-value]


def reset_password(
    session: Session, token: str, password: str, confirm: str, now: datetime | None = None
) -> User:
    """Set the new password through a usable link, then void every link of that person."""
    now = now or utcnow()
    row = _usable(session, token, now)
    if password != confirm:
        raise InvalidInput("The password was not changed.",
                           {"confirm": ["Type the same password twice."]})  # fmt: skip
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise LinkUnusable("This account cannot sign in any more; ask an admin.")
    user = org.update_user(session, user.id, {"password": password}, actor=user)
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    session.flush()
    return user


def change_own_password(
    session: Session, user_id: int, current: str, new: str, confirm: str
) -> User:
    """A signed-in person changes their password: the current one is required, and every
    other session ends (the caller signs this one in again under the new epoch)."""
    user = org.get_user(session, user_id)
    if not org.password_matches(user, current or ""):
        wrong = {"current_password": ["This is not your current password."]}
        raise InvalidInput("The password was not changed.", wrong)
    if new != confirm:
        raise InvalidInput("The password was not changed.",
                           {"confirm": ["Type the same new password twice."]})  # fmt: skip
    try:
        return org.update_user(session, user.id, {"password": new}, actor=user)
    except InvalidInput as exc:
        fields = {"new_password" if k == "password" else k: v for k, v in exc.fields.items()}
        raise InvalidInput("The password was not changed.", fields) from exc
