"""Use cases for teams, staff users and machine API tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import display, sla
from feedback.customer_fields import normalise_email
from feedback.db import utcnow
from feedback.mail.addresses import bare_address
from feedback.mail.render import render
from feedback.models import ApiToken, OutboxEmail, Team, User
from feedback.roles import ROLE_VALUES, Role
from feedback.services import api_tokens, audit, departments, outbox
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


def teams_for_admin(session: Session) -> list[Team]:
    """Every team, current ones first, by name (the teams page)."""
    return list(session.scalars(select(Team).order_by(Team.archived_at.is_not(None), Team.name)))


def current_teams(session: Session) -> list[Team]:
    """Teams a person may join: archived ones take no new members."""
    return list(session.scalars(select(Team).where(Team.archived_at.is_(None)).order_by(Team.name)))


def people_by_name(session: Session, *, active_only: bool = True) -> list[User]:
    """Staff to choose from (a lead, a head, an audit actor)."""
    query = select(User).order_by(User.name, User.email)
    if active_only:
        query = query.where(User.active.is_(True))
    return list(session.scalars(query))


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


HOURS_FIELDS = ("business_days", "business_start", "business_end")
TEAM_FIELDS = ("name", "department", "timezone", "lead_user_id", "archived", *HOURS_FIELDS)


def _clean_hours(
    data: Mapping[str, Any], current: sla.BusinessHours, fields: dict[str, list[str]]
) -> dict[str, Any]:
    """The business hours fields sent, checked together with those kept (a new end must still
    come after the start the team already has)."""
    if not any(key in data for key in HOURS_FIELDS):
        return {}
    days, start, end = current.days, current.start, current.end
    try:
        if "business_days" in data:
            raw = data["business_days"]
            if not isinstance(raw, (str, list, tuple, set, frozenset)):
                raise sla.HoursError("days", 'Send the working days as a list, e.g. ["mon"].')
            days = sla.parse_days(raw)
    except sla.HoursError as exc:
        fields["business_days"] = [str(exc)]
    for key in ("business_start", "business_end"):
        if key in data:
            try:
                value = sla.parse_time(data[key] if data[key] is not None else "", key)
            except sla.HoursError as exc:
                fields[key] = [str(exc)]
                continue
            start, end = (value, end) if key == "business_start" else (start, value)
    if any(key in fields for key in HOURS_FIELDS):
        return {}
    try:
        hours = sla.BusinessHours(days, start, end)
    except sla.HoursError as exc:
        fields[f"business_{exc.field}"] = [str(exc)]
        return {}
    return {"business_days": ",".join(hours.day_names), "business_start": hours.start,
            "business_end": hours.end}  # fmt: skip


def _clean_team(
    session: Session, data: Mapping[str, Any], *, partial: bool, team: Team | None = None
) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in TEAM_FIELDS:
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
    if data.get("lead_user_id") is not None:
        lead = session.get(User, data["lead_user_id"])
        if lead is None or not lead.active:
            fields["lead_user_id"] = [f"There is no active user with id {data['lead_user_id']}."]
        else:
            clean["lead_user_id"] = lead.id
    elif "lead_user_id" in data:
        clean["lead_user_id"] = None
    if "archived" in data:
        if not isinstance(data["archived"], bool):
            fields["archived"] = ["Must be true or false."]
        else:
            clean["archived"] = data["archived"]
    current = team.business_hours if team is not None else sla.STANDARD
    clean.update(_clean_hours(data, current, fields))
    if fields:
        raise InvalidInput("The team was not saved: some fields are invalid.", fields)
    return clean


def team_snapshot(team: Team) -> dict[str, Any]:
    """What the audit log keeps of a team."""
    return {
        "name": team.name,
        "department": team.department,
        "timezone": team.timezone,
        "lead_user_id": team.lead_user_id,
        "archived": team.archived_at is not None,
        "business_hours": team.business_hours.describe(),
    }


def _apply_team(session: Session, team: Team, clean: dict[str, Any]) -> None:
    archived = clean.pop("archived", None)
    for key, value in clean.items():
        setattr(team, key, value)
    if archived is not None and archived != (team.archived_at is not None):
        team.archived_at = utcnow() if archived else None
    if "department" in clean:
        departments.ensure(session, clean["department"])


def _check_team_name(session: Session, name: str | None, team: Team | None) -> None:
    if name is None:
        return
    other = session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))
    if other is not None and other is not team:
        raise Conflict(f"A team named {name!r} already exists.", {"name": ["Already exists."]})


def create_team(session: Session, data: Mapping[str, Any], *, actor: User | None = None) -> Team:
    clean = _clean_team(session, data, partial=False)
    _check_team_name(session, clean.get("name"), None)
    team = Team()
    _apply_team(session, team, clean)
    session.add(team)
    session.flush()
    audit.record(session, actor, "team.created", "team", team.id, after=team_snapshot(team))
    return team


def update_team(
    session: Session, team_id: int, data: Mapping[str, Any], *, actor: User | None = None
) -> Team:
    """Rename, move, re-zone, re-lead, change the business hours of, archive or restore a team
    (one audited change)."""
    team = get_team(session, team_id)
    clean = _clean_team(session, data, partial=True, team=team)
    _check_team_name(session, clean.get("name"), team)
    before = team_snapshot(team)
    _apply_team(session, team, clean)
    session.flush()
    audit.record(session, actor, "team.updated", "team", team.id, before, team_snapshot(team))
    return team


def delete_team(session: Session, team_id: int, *, actor: User | None = None) -> None:
    team = get_team(session, team_id)
    audit.record(session, actor, "team.deleted", "team", team.id, before=team_snapshot(team))
    session.delete(team)
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
    team = session.get(Team, clean["team_id"]) if clean.get("team_id") is not None else None
    if team is not None and team.archived_at is not None:
        key = "team" if data.get("team") is not None else "team_id"
        fields[key] = [f"The team {team.name!r} is archived; choose a current team."]
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


def user_snapshot(user: User) -> dict[str, Any]:
    """What the audit log keeps of a user (never the password hash)."""
    return {"email": user.email, "name": user.name, "role": user.role,
            "team_id": user.team_id, "active": user.active}  # fmt: skip


def _other_active_admins(session: Session, user: User) -> int:
    query = select(func.count(User.id)).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id
    )
    return session.scalar(query) or 0


def _guard_last_admin(session: Session, user: User, *, role: str, active: bool) -> None:
    """Refuse the change that would leave nobody able to administer the product."""
    was_admin = user.role == Role.ADMIN and user.active
    stays_admin = role == Role.ADMIN and active
    if was_admin and not stays_admin and _other_active_admins(session, user) == 0:
        raise Conflict(
            f"{user.email} is the last active admin: make another person an admin first, "
            "then change this one.",
            {"role" if active else "active": ["The last active admin must stay an admin."]},
        )


def create_user(session: Session, data: Mapping[str, Any], *, actor: User | None = None) -> User:
    clean = _clean_user(session, data, partial=False)
    if session.scalar(select(User.id).where(User.email == clean["email"])) is not None:
        raise Conflict(f"A user with the email {clean['email']} already exists.",
                       {"email": ["Already exists."]})  # fmt: skip
    user = User(**clean)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, after=user_snapshot(user))
    return user


def update_user(
    session: Session, user_id: int, data: Mapping[str, Any], *, actor: User | None = None
) -> User:
    """Change a person (role, team, active flag...); the last active admin stays one."""
    user = get_user(session, user_id)
    clean = _clean_user(session, data, partial=True)
    if clean.get("email") not in (None, user.email) and session.scalar(
        select(User.id).where(User.email == clean["email"])
    ):
        raise Conflict(f"Another user has the email {clean['email']}.",
                       {"email": ["Already used."]})  # fmt: skip
    _guard_last_admin(session, user, role=clean.get("role", user.role),
                      active=clean.get("active", user.active))  # fmt: skip
    before = user_snapshot(user)
    for key, value in clean.items():
        setattr(user, key, value)
    if "password_hash" in clean:
        _raise_epoch(user)  # a new password ends every session signed in with the old one
    session.flush()
    session.refresh(user)  # the related team follows the team_id just set
    after = user_snapshot(user)
    if "password_hash" in clean:
        before, after = {**before, "password": "unchanged"}, {**after, "password": "changed"}
    audit.record(session, actor, "user.updated", "user", user.id, before, after)
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


def end_sessions(session: Session, user_id: int, *, actor: User | None = None) -> None:
    """Sign the user out everywhere: every session cookie names an epoch, now outdated.
    Audited when someone else (an admin) does it; signing oneself out is not an admin act."""
    user = get_user(session, user_id)
    _raise_epoch(user)
    session.flush()
    if actor is not None and actor.id != user.id:
        audit.record(session, actor, "user.sessions_revoked", "user", user.id)


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


def delete_user(session: Session, user_id: int, *, actor: User | None = None) -> None:
    user = get_user(session, user_id)
    _guard_last_admin(session, user, role="", active=False)
    audit.record(session, actor, "user.deleted", "user", user.id, before=user_snapshot(user))
    session.delete(user)
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


def password_matches(user: User, password: str) -> bool:
    """Whether this is the user's password (False for a user who has none)."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


def load_active_user(session: Session, session_id: str) -> User | None:
    """The user a signed session names ("<id>.<epoch>"), if they still may sign in: a
    deactivated user is out, and so is a session from before a logout or password change."""
    user_id, _, epoch = session_id.partition(".")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    # With the team in the same statement: staff pages show times in its zone (web.display).
    user = session.get(User, int(user_id), options=[joinedload(User.team)])
    if user is None or not user.active or int(epoch) != (user.session_epoch or 0):
        return None
    return user


# ---------------------------------------------------------------- API tokens


def create_api_token(
    session: Session,
    email: str,
    name: str = "",
    access: str = "write",
    resources: Any = ("*",),
) -> tuple[ApiToken, str]:
    """A new token for the user with this email (the CLI's way); by default read-write on all."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"There is no user with the email {email!r}.")
    return api_tokens.create_token(session, user, name, access, resources)


def user_for_token(session: Session, token: str) -> User | None:
    row = api_tokens.live_token(session, token)
    return row.user if row is not None else None
