"""SQLAlchemy models, one module per part of the domain; importing this registers them all."""

from feedback.models.customers import Account, AccountDomain, Contact
from feedback.models.org import ApiToken, Role, Team, User

__all__ = ["Account", "AccountDomain", "ApiToken", "Contact", "Role", "Team", "User"]
