"""The defaults a new installation starts from: the theme taxonomy and the playbook set.

They are seeded by `flask seed-defaults` (run after `flask db upgrade`, by `dev.py demo` and by
the tests' fixtures), never by a page or a read: a GET does not write. Seeding is idempotent,
so the command may run on every deploy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from feedback.services import followup_planning, taxonomy


@dataclass(frozen=True, slots=True)
class Seeded:
    """What one run added: the themes missing by key, and the playbook set if none was active."""

    themes: int
    playbook_set: bool


def seed_defaults(session: Session, now: datetime | None = None) -> Seeded:
    """Add the default themes that are missing and, when no set is active, the default playbooks.

    Run it after the teams exist when you can: a default theme's owner is matched to a team by
    name or department at the time it is added.
    """
    themes = taxonomy.seed_taxonomy(session)
    had_set = followup_planning.current_set(session) is not None
    followup_planning.active_set(session, now)
    return Seeded(themes=themes, playbook_set=not had_set)
