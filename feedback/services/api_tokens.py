"""API tokens: a person makes, scopes and revokes their own; admins see and revoke all.

Only a token's SHA-256 is stored; the plain token is returned once, at creation. What a
scope allows is feedback.token_scopes; the API door (feedback.access) asks it per request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feedback import token_scopes
from feedback.db import utcnow
from feedback.models import ApiToken, User
from feedback.roles import Role
from feedback.services import audit
from feedback.services.errors import Forbidden, InvalidInput, NotFound
from feedback.services.paging import paginate
from feedback.tokens import hash_token, new_token

TOKEN_PREFIX = "fbk_"
MAX_NAME = 120


def _shown(row: ApiToken) -> dict[str, Any]:
    return {"name": row.name, "user_id": row.user_id, "access": row.access,
            "resources": row.resources, "prefix": row.prefix}  # fmt: skip


def create_token(
    session: Session,
    owner: User,
    name: str = "",
    access: str = token_scopes.WRITE,
    resources: Any = (token_scopes.ALL,),
    *,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `owner`; the plain token is returned once and never stored."""
    fields: dict[str, list[str]] = {}
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        fields["name"] = [f"At most {MAX_NAME} characters."]
    try:
        access, stored = token_scopes.clean_scope(access, resources)
    except token_scopes.ScopeError as exc:
        key = "access" if access not in token_scopes.ACCESS_LEVELS else "resources"
        fields[key] = [str(exc)]
    if fields:
        raise InvalidInput("The token was not created: some fields are invalid.", fields)
    token = new_token(TOKEN_PREFIX)
    row = ApiToken(user_id=owner.id, name=name, token_hash=hash_token(token), prefix=token[:10],
                   access=access, resources=stored)  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, actor, "api_token.created", "api_token", row.id, after=_shown(row))
    return row, token


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """A person's tokens, live ones first, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query))


def all_tokens(session: Session, page: int, per_page: int) -> tuple[list[ApiToken], int]:
    """Every token with its owner, for admins: live ones first, newest first."""
    query = (
        select(ApiToken)
        .options(selectinload(ApiToken.user))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return paginate(session, query, page, per_page)


def revoke(session: Session, token_id: int, actor: User) -> ApiToken:
    """Revoke a token: its owner may revoke their own, an admin anyone's. Idempotent."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"There is no API token with id {token_id}.")
    if row.user_id != actor.id and actor.role != Role.ADMIN:
        raise Forbidden("Only the token's owner or an admin may revoke it.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        audit.record(session, actor, "api_token.revoked", "api_token", row.id,
                     before={"revoked": False}, after={"revoked": True, **_shown(row)})  # fmt: skip
    return row


def live_token(session: Session, token: str) -> ApiToken | None:
    """The unrevoked token of an active user for this bearer value, marked as used now."""
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row
