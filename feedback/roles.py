"""The staff roles: plain values, so pages, API, jobs and pure rules name them without models.

The models store them (``users.role``); everything else only compares against them.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """What a staff user is allowed to do; stored as its value."""

    ADMIN = "admin"
    CSM = "csm"
    TEAM_LEAD = "team_lead"
    DEPARTMENT_HEAD = "department_head"


ROLE_VALUES = tuple(r.value for r in Role)
