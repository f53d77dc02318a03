"""Single sign-on: which staff account an OpenID Connect provider's claims sign in.

Only an address the provider says it verified (`email_verified` true) is matched, to an
existing active user: SSO signs staff in, it never creates or re-activates anyone. Providers
that send no `email_verified` claim (Entra ID without the optional claim) are refused, with a
message saying so, rather than trusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import User
from feedback.services.errors import Forbidden


class SignInRefused(Forbidden):
    code = "sso_refused"


def _verified(value: Any) -> bool:
    # Some providers send the JSON string "true" rather than the boolean.
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def user_for_claims(session: Session, claims: Mapping[str, Any]) -> User:
    """The active user whose email the provider verified; SignInRefused saying why not."""
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise SignInRefused(
            "Your sign-in provider did not tell us your email address. Ask your administrator "
            "to allow the 'email' scope for this application."
        )
    if not _verified(claims.get("email_verified")):
        raise SignInRefused(
            f"Your sign-in provider has not verified the address {email}, so it cannot sign "
            "you in here. Verify the address with your provider, or ask an admin."
        )
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active:
        raise SignInRefused(
            f"{email} is not an active staff account here. Single sign-on signs in existing "
            "staff; ask an admin to add you."
        )
    return user
