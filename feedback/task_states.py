"""The follow-up task's lifecycle: which status may follow which, and what closing needs.

open → in_progress → waiting_on_customer → closed, with shortcuts a CSM really takes (open
straight to waiting after a first email, closing from any open state) and reopening a closed
task. Pure: the service asks `check` before it changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

OPEN, IN_PROGRESS, WAITING, CLOSED = "open", "in_progress", "waiting_on_customer", "closed"
STATUSES = (OPEN, IN_PROGRESS, WAITING, CLOSED)
LABELS = {
    OPEN: "Open",
    IN_PROGRESS: "In progress",
    WAITING: "Waiting on customer",
    CLOSED: "Closed",
}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OPEN: (IN_PROGRESS, WAITING, CLOSED),
    IN_PROGRESS: (WAITING, CLOSED),
    WAITING: (IN_PROGRESS, CLOSED),
    CLOSED: (OPEN, IN_PROGRESS),  # reopening
}
RESOLUTION_CODES = (
    "contacted",
    "resolved",
    "not_reachable",
    "churn_risk",
    "product_gap",
    "no_action",
)
RESOLUTION_LABELS = {
    "contacted": "Contacted",
    "resolved": "Resolved",
    "not_reachable": "Not reachable",
    "churn_risk": "Churn risk",
    "product_gap": "Product gap",
    "no_action": "No action needed",
}
# What the task's trail says happened; feedback.display words them for the page.
EVENT_LABELS = {
    "created": "Created",
    "severity": "Severity noted",
    "status": "Status changed",
    "reassigned": "Reassigned",
    "comment": "Comment",
    "contacted": "Contacted",
    "escalated": "Escalated",
    "overdue": "Overdue",
    "resolution_check": "Asked “Did we resolve it?”",
    "resolution_answer": "Customer answered “Did we resolve it?”",
}
ROOT_CAUSES = (
    "outcome not reached",
    "trust",
    "relevance",
    "product mismatch",
    "price/value",
    "support experience",
    "other",
)
MAX_NOTE = 5000


class TransitionError(ValueError):
    """The move is not allowed from the task's current status (a conflict with its state)."""


class CloseError(ValueError):
    """The move is allowed but what came with it is incomplete or unknown (bad input)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Change:
    """What the service writes: the new status and the cleaned closing details."""

    from_status: str
    to_status: str
    resolution_code: str | None = None
    root_cause: str | None = None
    note: str | None = None

    @property
    def reopens(self) -> bool:
        return self.from_status == CLOSED and self.to_status != CLOSED

    @property
    def closes(self) -> bool:
        return self.to_status == CLOSED


def is_overdue(due_at: Any, now: Any, status: Any = OPEN) -> Any:
    """Whether a task is overdue: still open and its deadline has passed (a task due at this
    very instant is due, not yet overdue).

    The one definition of "overdue". It is written with `<`, `!=` and `&` only (the deadline
    first, so a column on the left makes `&` build SQL), so the same function answers for
    plain values (a bool) and, given columns such as `Task.due_at` and `Task.status`, builds
    the condition queries filter on (see `Task.overdue_where`): the page that shows a badge
    and the query that counts the badges cannot disagree.
    """
    return (due_at < now) & (status != CLOSED)


def is_due_today(due_at: datetime, now: datetime, day_end: datetime, status: str = OPEN) -> bool:
    """Due later today (before `day_end`, the end of the reader's local day) and not overdue:
    a task weeks late is overdue, never "due today"."""
    return status != CLOSED and not is_overdue(due_at, now, status) and due_at < day_end


def label(status: str) -> str:
    """The status in words ("In progress"), for messages and, through feedback.display, pages."""
    return LABELS.get(status, status.replace("_", " ").capitalize())


def allowed(from_status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(from_status, ())


def check(
    from_status: str,
    to_status: str,
    *,
    resolution_code: str | None = None,
    root_cause: str | None = None,
    note: str | None = None,
) -> Change:
    """The change to make, or TransitionError / CloseError with a message a person can act on."""
    if to_status not in STATUSES:
        raise CloseError(
            f"Unknown status {to_status!r}; use one of: {', '.join(STATUSES)}.", "status"
        )
    if from_status == to_status:
        raise TransitionError(f"The task is already {label(to_status).lower()}.")
    if to_status not in allowed(from_status):
        options = ", ".join(label(s).lower() for s in allowed(from_status))
        raise TransitionError(
            f"A task that is {label(from_status).lower()} cannot be moved to "
            f"{label(to_status).lower()}; it can go to: {options}."
        )
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise CloseError(f"Keep the note under {MAX_NOTE:,} characters.", "note")
    if to_status != CLOSED:
        return Change(from_status, to_status, note=note)
    code = (resolution_code or "").strip() or None
    if code is None:
        raise CloseError(
            "Choose a resolution code to close the task: " + ", ".join(RESOLUTION_CODES) + ".",
            "resolution_code",
        )
    if code not in RESOLUTION_CODES:
        raise CloseError(
            f"Unknown resolution code {code!r}; use one of: {', '.join(RESOLUTION_CODES)}.",
            "resolution_code",
        )
    cause = (root_cause or "").strip() or None
    if cause is not None and cause not in ROOT_CAUSES:
        raise CloseError(
            f"Unknown root cause {cause!r}; use one of: {', '.join(ROOT_CAUSES)}.", "root_cause"
        )
    return Change(from_status, to_status, code, cause, note)
