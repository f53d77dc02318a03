"""Use cases for teams, staff users and machine API tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import display
from feedback.customer_fields import normalise_email
from feedback.mail.addresses import bare_address
from feedback.mail.render import render
from feedback.models import ApiToken, OutboxEmail, Team, User
from feedback.roles import ROLE_VALUES
from feedback.services import api_tokens, outbox
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.services.paging import paginate
from feedback.tokens import hash_token  # noqa: F401  (re-exported for callers and tests)

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = api_tokens.TOKEN_PREFIX
# A real hash, computed once, so a login for an unknown email costs the same time as a real one.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


# ---------------------------------------------------------------- teams


def list_teams(session: Session, page: int, per_page: int) -> tuple[list[Team], int]:
    return paginate(session, select(Team).order_by(Team.name), page, per_page)


def get_team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"There is no team with id {team_id}.")
    return team


def team_by_name(session: Session, name: str) -> Team:
    team = session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    if team is None:
        raise NotFound(f"There is no team named {name!r}.", {"team": ["Unknown team."]})
    return team


def _clean_team(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in ("name", "department", "timezone"):
            fields[key] = ["Unknown field."]
    for key in ("name", "department"):
        if key in data or not partial:
            value = data.get(key)
            if not isinstance(value, str) or not value.strip():
                fields[key] = ["Required."]
            elif len(value.strip()) > 120:
                fields[key] = ["At most 120 characters."]
            else:
                clean[key] = value.strip()
    if "timezone" in data:
        try:
            ZoneInfo(str(data["timezone"]))
            clean["timezone"] = str(data["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            fields["timezone"] = [f"{data['timezone']!r} is not a known time zone."]
    if fields:
        raise InvalidInput("The team was not saved: some fields are invalid.", fields)
    return clean


def _check_team_name(session: Session, name: str | None, team: Team | None) -> None:
    if name is None:
        return
    other = session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))
    if other is not None and other is not team:
        raise Conflict(f"A team named {name!r} already exists.", {"name": ["Already exists."]})


def create_team(session: Session, data: Mapping[str, Any]) -> Team:
    clean = _clean_team(data, partial=False)
    _check_team_name(session, clean.get("name"), None)
    team = Team(**clean)
    session.add(team)
    session.flush()
    return team


def update_team(session: Session, team_id: int, data: Mapping[str, Any]) -> Team:
    team = get_team(session, team_id)
    clean = _clean_team(data, partial=True)
    _check_team_name(session, clean.get("name"), team)
    for key, value in clean.items():
        setattr(team, key, value)
    session.flush()
    return team


def delete_team(session: Session, team_id: int) -> None:
    session.delete(get_team(session, team_id))
    session.flush()


# ---------------------------------------------------------------- users


def list_users(session: Session, page: int, per_page: int) -> tuple[list[User], int]:
    query = select(User).options(selectinload(User.team)).order_by(User.email)
    return paginate(session, query, page, per_page)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user with id {user_id}.")
    return user


def _clean_user(session: Session, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in ("email", "name", "role", "team", "team_id", "password", "active"):
            fields[key] = ["Unknown field."]
    if "email" in data or not partial:
        try:
            clean["email"] = normalise_email(data.get("email"))
        except ValueError as exc:
            fields["email"] = [str(exc)]
    if "name" in data or not partial:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            fields["name"] = ["A name is required."]
        else:
            clean["name"] = name.strip()[:200]
    if "role" in data or not partial:
        if data.get("role") not in ROLE_VALUES:
            fields["role"] = [f"Must be one of {', '.join(ROLE_VALUES)}."]
        else:
            clean["role"] = data["role"]
    if data.get("team") is not None:
        try:
            clean["team_id"] = team_by_name(session, str(data["team"])).id
        except NotFound as exc:
            fields["team"] = [exc.message]
    elif "team_id" in data:
        if data["team_id"] is not None and session.get(Team, data["team_id"]) is None:
            fields["team_id"] = [f"There is no team with id {data['team_id']}."]
        else:
            clean["team_id"] = data["team_id"]
    if data.get("password") is not None:
        password = data["password"]
        if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
            fields["password"] = [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
        else:
            clean["password_hash"] = generate_password_hash(password)
    if "active" in data:
        if not isinstance(data["active"], bool):
            fields["active"] = ["Must be true or false."]
        else:
            clean["active"] = data["active"]
    if fields:
        raise InvalidInput("The user was not saved: some fields are invalid.", fields)
    return clean


def create_user(session: Session, data: Mapping[str, Any]) -> User:
    clean = _clean_user(session, data, partial=False)
    if session.scalar(select(User.id).where(User.email == clean["email"])) is not None:
        raise Conflict(f"A user with the email {clean['email']} already exists.",
                       {"email": ["Already exists."]})  # fmt: skip
    user = User(**clean)
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, user_id: int, data: Mapping[str, Any]) -> User:
    user = get_user(session, user_id)
    clean = _clean_user(session, data, partial=True)
    if clean.get("email") not in (None, user.email) and session.scalar(
        select(User.id).where(User.email == clean["email"])
    ):
        raise Conflict(f"Another user has the email {clean['email']}.",
                       {"email": ["Already used."]})  # fmt: skip
    for key, value in clean.items():
        setattr(user, key, value)
    if "password_hash" in clean:
        _raise_epoch(user)  # a new password ends every session signed in with the old one
    session.flush()
    session.refresh(user)  # the related team follows the team_id just set
    return user


def set_time_zone(session: Session, user_id: int, zone: str | None) -> User:
    """Store the zone a person reads times in; empty means "follow my team's zone".

    InvalidInput names the field, so the settings page can say what is wrong beside it.
    """
    user = get_user(session, user_id)
    if zone is None or not zone.strip():
        user.time_zone = None
    else:
        try:
            user.time_zone = display.check_zone(zone)
        except display.ZoneError as exc:
            raise InvalidInput(str(exc), {"time_zone": [str(exc)]}) from exc
    session.flush()
    return user


def _raise_epoch(user: User) -> None:
    user.session_epoch = (user.session_epoch or 0) + 1


def end_sessions(session: Session, user_id: int) -> None:
    """Sign the user out everywhere: every session cookie names an epoch, now outdated."""
    _raise_epoch(get_user(session, user_id))
    session.flush()


def queue_unlock_email(
    session: Session, config: Mapping[str, Any], email: str, link: str
) -> OutboxEmail | None:
    """Email the unlock link to an active user with this address; nobody else (an unknown
    address gets the same page but no email, so the page tells no one who has an account)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return None
    from_email = bare_address(str(config["MAIL_FROM"]))
    rendered = render("account_unlock", subject="Your feedback service account is locked",
                      from_email=from_email, from_name="Feedback service", reply_to=None,
                      recipient=user, link=link)  # fmt: skip
    return outbox.enqueue(session, kind="account_unlock", to_email=user.email, to_name=user.name,
                          content=outbox.content_for(session, rendered))  # fmt: skip


def delete_user(session: Session, user_id: int) -> None:
    session.delete(get_user(session, user_id))
    session.flush()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (same cost either way)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def load_active_user(session: Session, session_id: str) -> User | None:
    """The user a signed session names ("<id>.<epoch>"), if they still may sign in: a
    deactivated user is out, and so is a session from before a logout or password change."""
    user_id, _, epoch = session_id.partition(".")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or int(epoch) != (user.session_epoch or 0):
        return None
    return user


# ---------------------------------------------------------------- API tokens


def create_api_token(session: Session, email: str, name: str = "") -> tuple[ApiToken, str]:
    """A new read-write token on everything for the user with this email (the CLI's way)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"There is no user with the email {email!r}.")
    return api_tokens.create_token(session, user, name)


def user_for_token(session: Session, token: str) -> User | None:
    row = api_tokens.live_token(session, token)
    return row.user if row is not None else None
