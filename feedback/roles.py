"""The staff roles and the groups of roles that routes, the CLI and the nav are opened to.

One module, so that "who is a lead" is answered once: the decorators on pages and API routes,
the `users create` command and the navigation bar all read these groups. What a role may *see*
once it is let in (which teams' tasks and responses) is `feedback.access_rules`.
Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    CSM = "csm"
    TEAM_LEAD = "team_lead"
    DEPARTMENT_HEAD = "department_head"


ROLE_VALUES: tuple[str, ...] = tuple(r.value for r in Role)

# Any signed-in staff member: the queue, the task and thread pages, the API's reads.
STAFF: frozenset[str] = frozenset(ROLE_VALUES)
# People who lead others: the close-the-loop metrics.
LEADS: frozenset[str] = frozenset({Role.TEAM_LEAD, Role.DEPARTMENT_HEAD, Role.ADMIN})
# Set-up of the product: programs, outbox, themes, playbooks, webhooks, users.
ADMINS: frozenset[str] = frozenset({Role.ADMIN})

# The groups by name, for templates (the nav shows a link only to the group it is open to).
GROUPS: dict[str, frozenset[str]] = {"staff": STAFF, "leads": LEADS, "admins": ADMINS}
